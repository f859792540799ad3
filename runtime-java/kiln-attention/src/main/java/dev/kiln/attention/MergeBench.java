package dev.kiln.attention;

import dev.kiln.device.Buffer;
import dev.kiln.device.Device;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/** Cost of the N-way state merge against the number of shards, for {@code kiln helix bench}. Medians. */
public final class MergeBench {
    private MergeBench() {}

    public record Point(int shards, int rows, int dim, double seconds) {}

    public static List<Point> run(Device device, int rows, int dim, int[] shardCounts, int reps) {
        List<Point> out = new ArrayList<>();
        SplittableRandom r = new SplittableRandom(1);
        for (int n : shardCounts) {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment o = arena.allocate((long) n * rows * dim * Float.BYTES);
                MemorySegment l = arena.allocate((long) n * rows * Float.BYTES);
                for (long i = 0; i < (long) n * rows * dim; i++) o.setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) r.nextGaussian());
                for (long i = 0; i < (long) n * rows; i++) l.setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) r.nextDouble(-10, 10));
                try (Buffer ob = device.upload(o); Buffer lb = device.upload(l);
                     Buffer oo = device.allocate((long) rows * dim * Float.BYTES); Buffer ol = device.allocate((long) rows * Float.BYTES)) {
                    double[] t = new double[reps];
                    // Warm up by time, not count: the Vector API is slow until C2 compiles it, which takes seconds under load.
                    long warmEnd = System.nanoTime() + 500_000_000L;
                    while (System.nanoTime() < warmEnd) AttentionKernels.merge(device, ob, lb, oo, ol, n, rows, dim, 0, rows * dim, dim, 0, rows, 1);
                    device.queue().finish();
                    for (int i = 0; i < reps; i++) {
                        long t0 = System.nanoTime();
                        AttentionKernels.merge(device, ob, lb, oo, ol, n, rows, dim, 0, rows * dim, dim, 0, rows, 1);
                        device.queue().finish();
                        t[i] = (System.nanoTime() - t0) / 1e9;
                    }
                    out.add(new Point(n, rows, dim, AttentionBench.median(t)));
                }
            }
        }
        return out;
    }
}
