package dev.kiln.device.cpu;

import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.RecursiveAction;

/**
 * Splits {@code [0, n)} into contiguous chunks, one task per core (plus a few for balance), on a pool
 * sized to the machine. Chunks are contiguous so each core streams its own part of memory.
 */
public final class CpuParallel {
    private static final int THREADS = Integer.getInteger("kiln.cpu.threads", Runtime.getRuntime().availableProcessors());
    private static final ForkJoinPool POOL = new ForkJoinPool(THREADS);

    private CpuParallel() {}

    @FunctionalInterface
    public interface RangeBody {
        void run(long from, long to);
    }

    public static int threads() { return THREADS; }

    /** Runs {@code body} over [0, n) in at most {@code threads() * 4} chunks of at least {@code grain} items. */
    public static void forRange(long n, long grain, RangeBody body) {
        if (n <= 0) return;
        int chunks = (int) Math.max(1, Math.min((long) THREADS * 4, n / Math.max(1, grain)));
        if (chunks == 1 || THREADS == 1) {
            body.run(0, n);
            return;
        }
        POOL.invoke(new Chunk(body, n, chunks, 0, chunks));
    }

    /** Runs {@code body(i)} for every {@code i} in [0, n), one item per task; for coarse items such as ranks or heads. */
    public static void forEach(int n, java.util.function.IntConsumer body) {
        forRange(n, 1, (from, to) -> {
            for (long i = from; i < to; i++) body.accept((int) i);
        });
    }

    private static final class Chunk extends RecursiveAction {
        private static final long serialVersionUID = 1L;
        private final transient RangeBody body;
        private final long n;
        private final int chunks, lo, hi;

        Chunk(RangeBody body, long n, int chunks, int lo, int hi) {
            this.body = body; this.n = n; this.chunks = chunks; this.lo = lo; this.hi = hi;
        }

        @Override
        protected void compute() {
            if (hi - lo == 1) {
                body.run(n * lo / chunks, n * (lo + 1) / chunks);
                return;
            }
            int mid = (lo + hi) >>> 1;
            invokeAll(new Chunk(body, n, chunks, lo, mid), new Chunk(body, n, chunks, mid, hi));
        }
    }
}
