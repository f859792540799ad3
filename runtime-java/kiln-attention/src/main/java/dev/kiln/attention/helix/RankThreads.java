package dev.kiln.attention.helix;

import dev.kiln.collective.inproc.InProcessGroup;

import java.util.ArrayList;
import java.util.List;
import java.util.function.IntConsumer;

/**
 * Runs one body per emulated rank, each on its own platform thread (ranks block in collectives, so they must not
 * share a small pool), and fails fast: the first rank to throw aborts the groups the ranks meet in (so no rank waits
 * for it until a deadline) and interrupts the other ranks, and the call throws naming that rank.
 */
public final class RankThreads {
    /** How long the ranks left get to finish after one failed and the groups were aborted. */
    private static final long DRAIN_SECONDS = 30;

    private RankThreads() {}

    public static void run(int ranks, IntConsumer body, InProcessGroup... groups) {
        Object lock = new Object();
        int[] failedRank = {-1};
        Throwable[] failure = {null};
        List<Thread> threads = new ArrayList<>();
        Thread caller = Thread.currentThread();
        for (int r = 0; r < ranks; r++) {
            int rank = r;
            Thread t = Thread.ofPlatform().daemon().name("kiln-helix-rank-" + r).unstarted(() -> {
                try {
                    body.accept(rank);
                } catch (Throwable e) {
                    boolean first;
                    synchronized (lock) {
                        first = failure[0] == null;
                        if (first) {
                            failure[0] = e;
                            failedRank[0] = rank;
                        }
                    }
                    if (first) {
                        for (InProcessGroup g : groups) g.abort(rank, e);
                        for (Thread other : threads) if (other != Thread.currentThread()) other.interrupt();
                    }
                }
            });
            threads.add(t);
        }
        threads.forEach(Thread::start);
        try {
            long drainUntil = Long.MAX_VALUE; // once a rank failed, the others get DRAIN_SECONDS to notice
            waiting:
            for (Thread t : threads) {
                while (t.isAlive()) {
                    synchronized (lock) {
                        if (failure[0] != null && drainUntil == Long.MAX_VALUE) drainUntil = System.nanoTime() + DRAIN_SECONDS * 1_000_000_000L;
                    }
                    if (System.nanoTime() - drainUntil > 0) break waiting; // a rank stuck in computation: report anyway
                    t.join(java.time.Duration.ofMillis(50));
                }
            }
        } catch (InterruptedException e) {
            caller.interrupt();
            for (Thread t : threads) t.interrupt();
            throw new IllegalStateException("interrupted while waiting for ranks", e);
        }
        synchronized (lock) {
            Throwable e = failure[0];
            if (e == null) return;
            // Keep the failing rank's own exception type (a bad argument stays an IllegalArgumentException), named.
            String message = "rank " + failedRank[0] + " of " + ranks + " failed: " + e.getMessage();
            if (e instanceof IllegalArgumentException) throw new IllegalArgumentException(message, e);
            throw new IllegalStateException(message, e);
        }
    }
}
