package dev.kiln.attention;

import dev.kiln.device.cpu.CpuNativeKernels;
import dev.kiln.device.cpu.CpuParallel;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

/**
 * The host memory ceilings the attention is judged against, measured in the same run: a read ceiling
 * (a vectorised sum with eight independent accumulators over the buffer, on all cores, each core
 * streaming its own contiguous part) and a copy bandwidth (bytes read plus bytes written). Where the cpu's
 * native kernels run, the attention prefetches in software, and so does the ceiling's sum
 * ({@link CpuNativeKernels#readSumF32}): a ceiling that reads slower than the kernel it judges would flatter it.
 */
public final class MemoryBandwidth {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static volatile float sink;

    private MemoryBandwidth() {}

    /** Sums every float of {@code seg} (its size a multiple of 64 bytes); returns the sum so nothing is elided. */
    public static float readAll(MemorySegment seg) {
        if (CpuNativeKernels.isAvailable() && seg.isNative()) {
            // 512-byte blocks of 128 floats, the C sum's unit
            return sumInParallel(seg.byteSize() / 512, 1 << 10,
                    (from, to) -> CpuNativeKernels.readSumF32(seg.asSlice(from * 512, (to - from) * 512), (to - from) * 128));
        }
        long lanesBytes = (long) F.length() * 4;
        return sumInParallel(seg.byteSize() / lanesBytes / 8, 1 << 12, (from, to) -> {
            FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
            for (long i = from; i < to; i++) {
                long o = i * 8 * lanesBytes;
                a0 = a0.add(FloatVector.fromMemorySegment(F, seg, o, ByteOrder.LITTLE_ENDIAN));
                a1 = a1.add(FloatVector.fromMemorySegment(F, seg, o + lanesBytes, ByteOrder.LITTLE_ENDIAN));
                a2 = a2.add(FloatVector.fromMemorySegment(F, seg, o + 2 * lanesBytes, ByteOrder.LITTLE_ENDIAN));
                a3 = a3.add(FloatVector.fromMemorySegment(F, seg, o + 3 * lanesBytes, ByteOrder.LITTLE_ENDIAN));
                a4 = a4.add(FloatVector.fromMemorySegment(F, seg, o + 4 * lanesBytes, ByteOrder.LITTLE_ENDIAN));
                a5 = a5.add(FloatVector.fromMemorySegment(F, seg, o + 5 * lanesBytes, ByteOrder.LITTLE_ENDIAN));
                a6 = a6.add(FloatVector.fromMemorySegment(F, seg, o + 6 * lanesBytes, ByteOrder.LITTLE_ENDIAN));
                a7 = a7.add(FloatVector.fromMemorySegment(F, seg, o + 7 * lanesBytes, ByteOrder.LITTLE_ENDIAN));
            }
            return a0.add(a1).add(a2).add(a3).add(a4).add(a5).add(a6).add(a7).reduceLanes(VectorOperators.ADD);
        });
    }

    /** The sum of one contiguous chunk {@code [from, to)} of a buffer's units. */
    @FunctionalInterface
    private interface ChunkSum {
        double sum(long from, long to);
    }

    /** Sums {@code units} on every core in contiguous chunks, and keeps the total where the JIT cannot drop it. */
    private static float sumInParallel(long units, long grain, ChunkSum chunk) {
        double[] partial = new double[CpuParallel.threads() * 4 + 1];
        java.util.concurrent.atomic.AtomicInteger slot = new java.util.concurrent.atomic.AtomicInteger();
        CpuParallel.forRange(units, grain, (from, to) -> {
            double s = chunk.sum(from, to);
            partial[Math.min(partial.length - 1, slot.getAndIncrement())] += s;
        });
        double total = 0;
        for (double p : partial) total += p;
        sink = (float) total;
        return sink;
    }

    /** Copies the first half of {@code seg} onto its second half, in parallel contiguous chunks. */
    public static void copyHalves(MemorySegment seg) {
        long half = seg.byteSize() / 2 / 64 * 64;
        long chunk = 1 << 20;
        CpuParallel.forRange(Math.ceilDiv(half, chunk), 1, (from, to) -> {
            for (long c = from; c < to; c++) {
                long off = c * chunk;
                MemorySegment.copy(seg, off, seg, half + off, Math.min(chunk, half - off));
            }
        });
    }

    /** Bytes moved by {@link #copyHalves}: what it reads plus what it writes. */
    public static long copyBytes(MemorySegment seg) {
        return 2 * (seg.byteSize() / 2 / 64 * 64);
    }
}
