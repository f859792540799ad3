package dev.kiln.tconv.cpu;

import dev.kiln.device.cpu.CpuKernel;
import dev.kiln.device.cpu.CpuKernelLibrary;

import java.util.Map;

/**
 * The cpu side of program {@code tconv}: the same kernel names as {@code kernels/opencl/tconv.cl} and
 * {@code kernels/cuda/tconv.cu}. Weight layouts differ per backend and are made by {@link CpuWeights}.
 */
public final class TConvCpuKernels implements CpuKernelLibrary {
    public static final String PROGRAM = "tconv";

    /** For {@link java.util.ServiceLoader}. */
    public TConvCpuKernels() {}

    @Override public String program() { return PROGRAM; }

    @Override
    public Map<String, CpuKernel> kernels() {
        return Map.of(
                "mm2im_f32", Mm2imCpu::fp32,
                "mm2im_i8", Mm2imCpu::int8,
                "iom_gemm_f32", IomCpu::gemmF32,
                "iom_col2im_f32", IomCpu::col2imF32,
                "iom_gemm_i8", IomCpu::gemmInt8,
                "iom_col2im_i8", IomCpu::col2imInt8,
                "zero_insert", ZeroInsertionCpu::insert,
                "zi_conv_f32", ZeroInsertionCpu::convF32,
                "zi_conv_i8", ZeroInsertionCpu::convInt8);
    }
}
