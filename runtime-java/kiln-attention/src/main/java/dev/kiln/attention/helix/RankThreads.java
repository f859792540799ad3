package dev.kiln.attention.helix;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntConsumer;

/**
 * Runs one body per emulated rank, each on its own platform thread (ranks block in collectives, so
 * they must not share a small pool), and rethrows the first failure.
 */
public final class RankThreads {
    private RankThreads() {}

    public static void run(int ranks, IntConsumer body) {
        AtomicReference<Throwable> failure = new AtomicReference<>();
        List<Thread> threads = new ArrayList<>();
        for (int r = 0; r < ranks; r++) {
            int rank = r;
            Thread t = Thread.ofPlatform().name("kiln-helix-rank-" + r).unstarted(() -> {
                try {
                    body.accept(rank);
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                }
            });
            threads.add(t);
            t.start();
        }
        for (Thread t : threads) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for ranks", e);
            }
        }
        Throwable e = failure.get();
        if (e instanceof RuntimeException re) throw re;
        if (e instanceof Error err) throw err;
        if (e != null) throw new IllegalStateException(e);
    }
}
