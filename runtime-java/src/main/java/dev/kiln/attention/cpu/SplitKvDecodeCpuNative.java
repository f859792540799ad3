package dev.kiln.attention.cpu;

import dev.kiln.device.cpu.CpuNativeKernels;
import dev.kiln.device.cpu.CpuParallel;

import static dev.kiln.attention.cpu.SplitKvDecodeCpu.L;

/**
 * The dim-major decode kernel's fast paths (fp32, and bf16 widened by shift and mask) in C
 * ({@code native/cpu/split_kv_decode.c}), taken wherever they apply: the same tasks, loops and roundings as
 * {@link SplitKvDecodeCpuDimMajor} (the two give the same bits), plus
 * a software prefetch of the next tile in every inner-loop iteration, which the Vector API has no way to issue.
 * Without it a core's reads and arithmetic run one after the other (measured, docs/attention.md).
 */
final class SplitKvDecodeCpuNative {
    private SplitKvDecodeCpuNative() {}

    /**
     * Whether the native kernel takes these arguments: groups of 4 query heads and value rows of whole 128-value
     * segments (where the Java kernel runs its 2×8 V loops, whose roundings the C repeats), AVX-512.
     */
    static boolean takes(DecodeArgs a) {
        return CpuNativeKernels.isAvailable() && L == 16 && a.group() % 4 == 0 && a.dv() % 128 == 0;
    }

    static void run(DecodeArgs a) {
        int splits = a.splits();
        CpuParallel.forEach(a.batch() * splits, task -> {
            int split = task % splits, b = task / splits;
            CpuNativeKernels.splitKvDecodeDimMajor(a.q(), a.kPool(), a.vPool(), a.table(), a.outO(), a.outLse(),
                    b, split, a.splitStart(b, split), a.splitEnd(b, split), a.hq(), a.hkv(), a.dk(), a.dv(), a.vStride(),
                    a.blockSize(), a.maxBlocks(), splits, a.dtype(), a.scale());
        });
    }
}
