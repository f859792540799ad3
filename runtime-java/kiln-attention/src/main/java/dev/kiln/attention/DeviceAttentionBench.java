package dev.kiln.attention;

import dev.kiln.basics.BandwidthKernels;
import dev.kiln.device.Buffer;
import dev.kiln.device.Device;
import dev.kiln.device.Queue;

import java.lang.foreign.Arena;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;

/**
 * One point of {@code kiln helix device-bench}: on an OpenCL or CUDA device, both decode kernels over a
 * synthetic cache of {@code context} tokens against the device's own bandwidth ceilings on the same bytes
 * (the read-only pass over the K and V pools, and a device-to-device copy of the K pool). The four are
 * timed in turns (split-kv, flash, read, copy, split-kv, ...), each as launch-to-finish wall time with
 * buffers allocated beforehand, after one untimed round; medians.
 */
public final class DeviceAttentionBench {
    private DeviceAttentionBench() {}

    /**
     * @param kvBytes   bytes of K and V the attention reads (the read pass reads the same pools)
     * @param copyBytes bytes the copy moves: what it reads plus what it writes
     */
    public record Point(int context, DecodeShape shape, KvDtype dtype, int batch, int splits, long kvBytes,
                        double splitKvSeconds, double flashSeconds, double readSeconds, long readBytes, double copySeconds, long copyBytes) {
        public double splitKvBytesPerSecond() { return kvBytes / splitKvSeconds; }
        public double flashBytesPerSecond() { return kvBytes / flashSeconds; }
        public double readBytesPerSecond() { return readBytes / readSeconds; }
        public double copyBytesPerSecond() { return copyBytes / copySeconds; }
        /** The goal's measure: flash attention's KV bytes/s over the same run's copy bandwidth. */
        public double flashToCopy() { return flashBytesPerSecond() / copyBytesPerSecond(); }
        public double flashToRead() { return flashBytesPerSecond() / readBytesPerSecond(); }
        public double flashSpeedup() { return splitKvSeconds / flashSeconds; }
    }

    public static Point run(Device device, DecodeShape shape, KvDtype dtype, int batch, int context, int blockSize, int splits, int reps, long seed) {
        if (reps < 1) throw new IllegalArgumentException("reps must be >= 1, was " + reps);
        Queue queue = device.queue();
        try (PagedKvCache cache = new PagedKvCache(device, shape, dtype, blockSize, batch, context, KeyLayout.TOKEN_MAJOR);
             Arena arena = Arena.ofConfined()) {
            cache.fillSynthetic(context, seed);
            float[] q = new float[batch * shape.qHeads() * shape.kDim()];
            SplittableRandom r = new SplittableRandom(seed);
            for (int i = 0; i < q.length; i++) q[i] = (float) r.nextGaussian();
            int n = splits > 0 ? splits : SplitKvDecodeAttention.chooseSplits(device, batch, shape.kvHeads(), context);
            int rows = batch * shape.qHeads();
            long kPoolBytes = cache.kPool().byteSize() / 16 * 16;
            long vPoolBytes = shape.latentV() ? 0 : cache.vPool().byteSize() / 16 * 16;
            try (Buffer qb = device.upload(arena.allocateFrom(ValueLayout.JAVA_FLOAT, q));
                 Buffer po = device.allocate((long) rows * n * shape.vDim() * Float.BYTES);
                 Buffer pl = device.allocate((long) rows * n * Float.BYTES);
                 Buffer outO = device.allocate((long) rows * shape.vDim() * Float.BYTES);
                 Buffer outL = device.allocate((long) rows * Float.BYTES);
                 Buffer copyDst = device.allocate(kPoolBytes);
                 Buffer sink = device.allocate(16)) {
                double[] split = new double[reps], flash = new double[reps], read = new double[reps], copy = new double[reps];
                for (int i = -1; i < reps; i++) { // round -1 warms up (program build, JIT) and is not kept
                    double a = time(queue, () -> attend(device, qb, cache, n, po, pl, outO, outL, DecodeKernel.SPLIT_KV));
                    double f = time(queue, () -> attend(device, qb, cache, n, po, pl, outO, outL, DecodeKernel.FLASH));
                    double rd = time(queue, () -> {
                        BandwidthKernels.read(device, cache.kPool(), kPoolBytes, sink);
                        if (vPoolBytes > 0) BandwidthKernels.read(device, cache.vPool(), vPoolBytes, sink);
                    });
                    double c = time(queue, () -> BandwidthKernels.copy(device, cache.kPool(), copyDst, kPoolBytes));
                    if (i >= 0) { split[i] = a; flash[i] = f; read[i] = rd; copy[i] = c; }
                }
                long kvBytes = (long) batch * context * shape.elementsPerToken() * dtype.bytes();
                return new Point(context, shape, dtype, batch, n, kvBytes, AttentionBench.median(split), AttentionBench.median(flash),
                        AttentionBench.median(read), kPoolBytes + vPoolBytes, AttentionBench.median(copy), 2 * kPoolBytes);
            }
        }
    }

    private static void attend(Device device, Buffer q, PagedKvCache cache, int n, Buffer po, Buffer pl, Buffer outO, Buffer outL, DecodeKernel kernel) {
        DecodeShape s = cache.shape();
        int rows = cache.batch() * s.qHeads();
        float scale = s.defaultScale();
        if (n == 1) {
            AttentionKernels.decode(device, q, cache, 1, scale, outO, outL, kernel);
        } else {
            AttentionKernels.decode(device, q, cache, n, scale, po, pl, kernel);
            AttentionKernels.merge(device, po, pl, outO, outL, n, rows, s.vDim(), 0, s.vDim(), n * s.vDim(), 0, 1, n);
        }
    }

    private static double time(Queue queue, Runnable work) {
        queue.finish();
        long t0 = System.nanoTime();
        work.run();
        queue.finish();
        return (System.nanoTime() - t0) / 1e9;
    }
}
