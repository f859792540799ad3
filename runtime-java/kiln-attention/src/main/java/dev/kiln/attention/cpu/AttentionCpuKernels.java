package dev.kiln.attention.cpu;

import dev.kiln.attention.AttentionKernels;
import dev.kiln.device.cpu.CpuKernel;
import dev.kiln.device.cpu.CpuKernelLibrary;

import java.util.Map;

/** The cpu program {@code attention}: split-KV decode (over token-major or dim-major keys) and the N-way state merge. */
public final class AttentionCpuKernels implements CpuKernelLibrary {
    @Override public String program() { return AttentionKernels.PROGRAM; }

    @Override
    public Map<String, CpuKernel> kernels() {
        return Map.of(AttentionKernels.DECODE, SplitKvDecodeCpu::run,
                AttentionKernels.DECODE_DIM_MAJOR_K, SplitKvDecodeCpuDimMajor::run,
                AttentionKernels.MERGE, MergeStatesCpu::run);
    }
}
