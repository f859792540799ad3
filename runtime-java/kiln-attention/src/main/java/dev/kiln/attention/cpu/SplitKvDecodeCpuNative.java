package dev.kiln.attention.cpu;

import dev.kiln.device.cpu.CpuNativeKernels;
import dev.kiln.device.cpu.CpuParallel;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

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
     * Whether the native kernel takes these arguments: groups of 4 query heads and value rows of whole 64-value
     * segments for fp32 (where the Java kernel runs its 2×8 or 2×4 V loops, whose roundings the C repeats) or
     * 128-value ones for bf16 (its paired loops), AVX-512.
     */
    static boolean takes(DecodeArgs a) {
        return CpuNativeKernels.isAvailable() && L == 16 && a.group() % 4 == 0 && a.dv() % (a.bf16() ? 128 : 64) == 0;
    }

    static void run(DecodeArgs a) {
        checkBounds(a);
        int splits = a.splits();
        CpuParallel.forEach(a.batch() * splits, task -> {
            int split = task % splits, b = task / splits;
            CpuNativeKernels.splitKvDecodeDimMajor(a.q(), a.kPool(), a.vPool(), a.table(), a.outO(), a.outLse(),
                    b, split, a.splitStart(b, split), a.splitEnd(b, split), a.hq(), a.hkv(), a.dk(), a.dv(), a.vStride(),
                    a.blockSize(), a.maxBlocks(), splits, a.dtype(), a.scale());
        });
    }

    /**
     * What the Java kernel's segment accesses would check, checked once before C reads raw pointers: every page the
     * sequences use lies inside both pools, and the queries and outputs are large enough. A bad block table throws
     * here instead of crashing the JVM.
     */
    static void checkBounds(DecodeArgs a) {
        long es = a.elementBytes(), bs = a.blockSize();
        long kPage = a.hkv() * a.dk() * bs * es, vPage = a.hkv() * bs * a.vStride() * es;
        long pages = Math.min(a.kPool().byteSize() / kPage, a.vPool().byteSize() / vPage);
        for (int b = 0; b < a.batch(); b++) {
            int len = a.lens().getAtIndex(ValueLayout.JAVA_INT, b);
            long blocks = Math.ceilDiv(len, a.blockSize());
            if (len < 0 || blocks > a.maxBlocks()) {
                throw new IllegalArgumentException("sequence " + b + " has length " + len + ", the block table holds " + a.maxBlocks() + " blocks of " + bs);
            }
            for (long blk = 0; blk < blocks; blk++) {
                int page = a.table().getAtIndex(ValueLayout.JAVA_INT, (long) b * a.maxBlocks() + blk);
                if (page < 0 || page >= pages) {
                    throw new IndexOutOfBoundsException("block " + blk + " of sequence " + b + " is page " + page + ", the pools hold " + pages);
                }
            }
        }
        long states = (long) a.batch() * a.hq() * a.splits();
        require(a.q(), (long) a.batch() * a.hq() * a.dk() * Float.BYTES, "q");
        require(a.outO(), states * a.dv() * Float.BYTES, "partial O");
        require(a.outLse(), states * Float.BYTES, "partial LSE");
    }

    private static void require(MemorySegment m, long bytes, String what) {
        if (m.byteSize() < bytes) throw new IllegalArgumentException(what + " has " + m.byteSize() + " bytes, needs " + bytes);
    }
}
