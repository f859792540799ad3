package dev.kiln.attention.cpu;

import dev.kiln.device.cpu.CpuNativeKernels;
import dev.kiln.device.cpu.CpuParallel;

import static dev.kiln.attention.cpu.SplitKvDecodeCpu.L;

/**
 * The dim-major decode kernel's fp32 fast path in C ({@code native/cpu/split_kv_decode.c}), taken wherever it
 * applies: the same tasks, loops and roundings as {@link SplitKvDecodeCpuDimMajor} (the two give the same bits), plus
 * a software prefetch of the next tile in every inner-loop iteration, which the Vector API has no way to issue.
 * Without it a core's reads and arithmetic run one after the other (measured, docs/attention.md).
 */
final class SplitKvDecodeCpuNative {
    private SplitKvDecodeCpuNative() {}

    /**
     * Whether the native kernel takes these arguments: fp32, groups of 4 query heads, value rows of whole
     * 128-value segments (where the Java kernel runs its 2×8 V loop, whose roundings the C repeats), AVX-512.
     */
    static boolean takes(DecodeArgs a) {
        return CpuNativeKernels.isAvailable() && !a.bf16() && L == 16 && a.group() % 4 == 0 && a.dv() % 128 == 0;
    }

    static void run(DecodeArgs a) {
        int splits = a.splits();
        CpuParallel.forEach(a.batch() * splits, task -> {
            int split = task % splits, b = task / splits;
            CpuNativeKernels.splitKvDecodeDimMajorF32(a.q(), a.kPool(), a.vPool(), a.table(), a.outO(), a.outLse(),
                    b, split, a.splitStart(b, split), a.splitEnd(b, split), a.hq(), a.hkv(), a.dk(), a.dv(), a.vStride(),
                    a.blockSize(), a.maxBlocks(), splits, a.scale());
        });
    }
}
