package dev.kiln.collective.lossy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;

/** Runs one function per rank, each on its own thread, and returns the results in rank order. */
final class Ranks {
    private Ranks() {}

    static <T> List<T> parallel(int ranks, IntFunction<T> body) {
        ExecutorService pool = Executors.newFixedThreadPool(ranks);
        try {
            List<Future<T>> futures = new ArrayList<>();
            for (int r = 0; r < ranks; r++) {
                int rank = r;
                futures.add(pool.submit(() -> body.apply(rank)));
            }
            List<T> out = new ArrayList<>();
            for (Future<T> f : futures) out.add(f.get(120, TimeUnit.SECONDS));
            return out;
        } catch (Exception e) {
            throw new AssertionError("a rank failed: " + e, e);
        } finally {
            pool.shutdownNow();
        }
    }
}
