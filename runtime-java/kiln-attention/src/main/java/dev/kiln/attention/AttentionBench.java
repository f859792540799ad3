package dev.kiln.attention;

import dev.kiln.device.Buffer;
import dev.kiln.device.Device;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * One point of {@code kiln helix bench}: decode attention over a synthetic cache of {@code context}
 * tokens, timed against the read ceiling and the copy bandwidth of the same bytes, measured in turns
 * (attention, read, copy, attention, ...) so that a loaded machine slows all three alike. Medians.
 */
public final class AttentionBench {
    private AttentionBench() {}

    public record Point(int context, DecodeShape shape, KvDtype dtype, KeyLayout keyLayout, int batch, int splits, long kvBytes,
                        double attentionSeconds, double readSeconds, double copySeconds, long copyBytes) {
        public double attentionBytesPerSecond() { return kvBytes / attentionSeconds; }
        public double readCeilingBytesPerSecond() { return kvBytes / readSeconds; }
        public double copyBytesPerSecond() { return copyBytes / copySeconds; }
        public double ratioToCeiling() { return attentionBytesPerSecond() / readCeilingBytesPerSecond(); }
    }

    /**
     * Runs the attention, the read ceiling and the copy on a small cache for about {@code seconds}, so that
     * every point is measured with compiled (C2) code: on a loaded machine the JIT takes seconds.
     */
    public static void warmUp(Device device, DecodeShape shape, KvDtype dtype, KeyLayout keyLayout, int batch, int blockSize, double seconds) {
        try (PagedKvCache cache = new PagedKvCache(device, shape, dtype, blockSize, batch, 4096, keyLayout);
             Arena arena = Arena.ofConfined();
             Buffer q = device.upload(arena.allocate((long) batch * shape.qHeads() * shape.kDim() * Float.BYTES))) {
            cache.fillSynthetic(4096, 1);
            long end = System.nanoTime() + (long) (seconds * 1e9);
            while (System.nanoTime() < end) {
                SplitKvDecodeAttention.attend(q, cache, shape.defaultScale(), 0).close();
                if (cache.kPool().isHostAccessible()) {
                    MemoryBandwidth.readAll(cache.kPool().hostSegment());
                    MemoryBandwidth.copyHalves(cache.kPool().hostSegment());
                }
            }
        }
    }

    public static Point run(Device device, DecodeShape shape, KvDtype dtype, KeyLayout keyLayout, int batch, int context, int blockSize, int reps, long seed) {
        try (PagedKvCache cache = new PagedKvCache(device, shape, dtype, blockSize, batch, context, keyLayout);
             Arena arena = Arena.ofConfined()) {
            cache.fillSynthetic(context, seed);
            float[] q = new float[batch * shape.qHeads() * shape.kDim()];
            SplittableRandom r = new SplittableRandom(seed);
            for (int i = 0; i < q.length; i++) q[i] = (float) r.nextGaussian();
            float scale = shape.defaultScale();
            boolean host = cache.kPool().isHostAccessible();
            MemorySegment kv = host ? cache.kPool().hostSegment() : null;
            MemorySegment vv = host && !shape.latentV() ? cache.vPool().hostSegment() : null;
            double[] att = new double[reps], read = new double[reps], copy = new double[reps];
            int splits;
            try (Buffer qb = device.upload(arena.allocateFrom(ValueLayout.JAVA_FLOAT, q))) {
                splits = SplitKvDecodeAttention.chooseSplits(device, batch, shape.kvHeads(), context, keyLayout);
                SplitKvDecodeAttention.attend(qb, cache, scale, splits).close(); // warm-up
                if (host) { MemoryBandwidth.readAll(kv); }
                for (int i = 0; i < reps; i++) {
                    long t0 = System.nanoTime();
                    SplitKvDecodeAttention.attend(qb, cache, scale, splits).close();
                    long t1 = System.nanoTime();
                    att[i] = (t1 - t0) / 1e9;
                    if (host) {
                        t0 = System.nanoTime();
                        MemoryBandwidth.readAll(kv);
                        if (vv != null) MemoryBandwidth.readAll(vv);
                        t1 = System.nanoTime();
                        read[i] = (t1 - t0) / 1e9;
                    }
                }
                // Copying overwrites half of the K pool with other K rows; the attention is timed before.
                if (host) {
                    for (int i = 0; i < reps; i++) {
                        long t0 = System.nanoTime();
                        MemoryBandwidth.copyHalves(kv);
                        copy[i] = (System.nanoTime() - t0) / 1e9;
                    }
                }
            }
            long kvBytes = (long) batch * context * shape.elementsPerToken() * dtype.bytes();
            long copyBytes = host ? MemoryBandwidth.copyBytes(kv) : 0;
            return new Point(context, shape, dtype, keyLayout, batch, splits, kvBytes, median(att),
                    host ? median(read) : Double.NaN, host ? median(copy) : Double.NaN, copyBytes);
        }
    }

    static double median(double[] xs) {
        double[] s = xs.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }
}
