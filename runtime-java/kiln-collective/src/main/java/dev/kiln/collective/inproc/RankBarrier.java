package dev.kiln.collective.inproc;

import dev.kiln.collective.lossy.CollectiveTimeoutException;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The meeting point of an in-process group's ranks, which never waits without a bound and can be broken for good:
 * a rank that waits longer than the deadline breaks it naming the ranks that never came, and
 * {@link #breakFor(int, Throwable)} (a rank failed) breaks it naming that rank. Once broken, every rank waiting or
 * arriving later throws at once. {@link java.util.concurrent.CyclicBarrier} has neither: it has no way to
 * say which rank failed, and its {@code reset} lets a rank that arrives afterwards wait again.
 */
final class RankBarrier {
    private final int parties;
    private final Duration deadline;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition tripped = lock.newCondition();
    private final boolean[] arrived;
    private int waiting;
    private long generation;
    private RuntimeException broken;

    RankBarrier(int parties, Duration deadline) {
        if (deadline.isNegative() || deadline.isZero()) throw new IllegalArgumentException("deadline must be > 0, was " + deadline);
        this.parties = parties;
        this.deadline = deadline;
        this.arrived = new boolean[parties];
    }

    /** Waits until every rank has arrived; throws if the barrier is or becomes broken, or the deadline passes. */
    void await(int rank) {
        lock.lock();
        try {
            if (broken != null) throw failure(rank);
            long gen = generation;
            arrived[rank] = true;
            if (++waiting == parties) {
                waiting = 0;
                java.util.Arrays.fill(arrived, false);
                generation++;
                tripped.signalAll();
                return;
            }
            long nanos = deadline.toNanos();
            while (gen == generation && broken == null) {
                if (nanos <= 0) {
                    List<Integer> missing = new ArrayList<>();
                    for (int r = 0; r < parties; r++) if (!arrived[r]) missing.add(r);
                    broken = new CollectiveTimeoutException("rank " + rank + " waited " + deadline.toMillis() + " ms at the barrier of a "
                            + parties + "-rank in-process group; rank(s) " + missing + " never arrived", missing);
                    tripped.signalAll();
                    break;
                }
                try {
                    nanos = tripped.awaitNanos(nanos);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    if (broken == null) {
                        broken = new IllegalStateException("rank " + rank + " was interrupted inside a collective");
                        tripped.signalAll();
                    }
                }
            }
            if (gen == generation) throw failure(rank);
        } finally {
            lock.unlock();
        }
    }

    /** Breaks the barrier for good because {@code rank} failed with {@code cause}; the first cause is kept. */
    void breakFor(int rank, Throwable cause) {
        lock.lock();
        try {
            if (broken == null) {
                broken = new IllegalStateException("rank " + rank + " failed: " + cause, cause);
                tripped.signalAll();
            }
        } finally {
            lock.unlock();
        }
    }

    /** The exception {@code rank} throws from a broken barrier: the breaking one itself for a timeout, else a wrapper. */
    private RuntimeException failure(int rank) {
        if (broken instanceof CollectiveTimeoutException t) return t;
        return new IllegalStateException("rank " + rank + " left the collective: " + broken.getMessage(), broken);
    }
}
