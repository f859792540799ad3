package dev.kiln.inference.quant;

import dev.kiln.device.cpu.CpuParallel;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The calling thread plus one resident helper thread per other core, for the batch-1 GEMVs of a decode step. A step runs
 * some 65 of them (Llama-3.2-1B), K and V about 0.1 ms each; handing each to a thread pool costs the wake-up of parked
 * workers and of the parked caller, every time. Here the caller works too, and a helper spins for {@link #SPIN_NANOS}
 * after a job before it parks, which covers most gaps to the next GEMV of the same step without holding a core between
 * steps. The caller never waits for a helper to wake up: once the caller's own share is done, the job is closed, and
 * the caller waits only for helpers that had joined it (they finish within one claim). One job at a time: a second
 * caller finds the team busy and uses the pool.
 */
final class GemvTeam {
    /** How long a helper waits for the next job on the CPU before it parks. */
    static final long SPIN_NANOS = 50_000;

    /** One call's work; helpers join it until the caller closes it. */
    private static final class Job {
        final Runnable body;
        final AtomicInteger joined = new AtomicInteger();
        volatile boolean closed;
        volatile Throwable failure;

        Job(Runnable body) { this.body = body; }

        /** Joins unless closed; with {@link #close} a Dekker pair on volatiles, so the caller sees every helper that ran. */
        boolean join() {
            joined.incrementAndGet();
            if (!closed) return true;
            joined.decrementAndGet();
            return false;
        }
    }

    private static final ReentrantLock BUSY = new ReentrantLock();
    private static volatile Job current;

    private GemvTeam() {}

    /** The helpers, started on first use. */
    private static final class Helpers {
        static final Thread[] THREADS = start(Math.max(0, CpuParallel.threads() - 1));

        private static Thread[] start(int n) {
            Thread[] t = new Thread[n];
            for (int i = 0; i < n; i++) {
                t[i] = Thread.ofPlatform().daemon().name("kiln-gemv-helper-" + i).start(GemvTeam::helperLoop);
            }
            return t;
        }
    }

    /**
     * Runs {@code body} on the calling thread and on every helper that is ready to join, and returns when all of those have
     * returned: the body splits the work itself (claims from a shared counter), so it must do nothing when the work is
     * gone. Returns false, having run nothing, when another caller holds the team. A body's exception on any thread is
     * rethrown here.
     */
    static boolean runOnAll(Runnable body) {
        Thread[] helpers = Helpers.THREADS;
        if (helpers.length == 0) {
            body.run();
            return true;
        }
        if (!BUSY.tryLock()) return false;
        try {
            Job job = new Job(body);
            current = job;
            for (Thread t : helpers) LockSupport.unpark(t);
            try {
                body.run();
            } catch (Throwable t) {
                job.failure = t;
            }
            job.closed = true;
            current = null;
            // Joined helpers finish within one claim of the caller, unless the OS took their core: then stop spinning.
            long t0 = System.nanoTime();
            while (job.joined.get() > 0) {
                if (System.nanoTime() - t0 < SPIN_NANOS) Thread.onSpinWait();
                else Thread.yield();
            }
            Throwable f = job.failure;
            if (f instanceof RuntimeException e) throw e;
            if (f instanceof Error e) throw e;
            if (f != null) throw new IllegalStateException(f);
            return true;
        } finally {
            BUSY.unlock();
        }
    }

    private static void helperLoop() {
        Job last = null;
        while (true) {
            long t0 = System.nanoTime();
            Job job;
            while ((job = current) == null || job == last) {
                if (System.nanoTime() - t0 < SPIN_NANOS) Thread.onSpinWait();
                else LockSupport.park(GemvTeam.class);
            }
            last = job;
            if (!job.join()) continue;
            try {
                job.body.run();
            } catch (Throwable t) {
                job.failure = t;
            } finally {
                job.joined.decrementAndGet();
            }
        }
    }
}
