package dev.kiln.inference.quant;

import dev.kiln.device.cpu.CpuParallel;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The calling thread plus one resident helper thread per other core, for the batch-1 GEMVs of a decode step. A step runs
 * some 65 of them (Llama-3.2-1B), K and V about 0.1 ms each; handing each to a thread pool costs the wake-up of parked
 * workers and of the parked caller, every time. Here the caller works too, and a helper spins for {@link #SPIN_NANOS}
 * after a job before it parks, which covers the gap to the next GEMV of the same step (a norm, a RoPE, the attention)
 * without holding a core between steps. One job at a time: a second caller finds the team busy and uses the pool.
 */
final class GemvTeam {
    /** How long a helper waits for the next job on the CPU before it parks. */
    static final long SPIN_NANOS = 50_000;

    private static final ReentrantLock BUSY = new ReentrantLock();
    private static final AtomicInteger RUNNING = new AtomicInteger();
    private static volatile Runnable job;
    private static volatile int epoch;
    private static volatile Throwable failure;

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
     * Runs {@code body} on the calling thread and on every helper at once, and returns when all have returned: the body
     * splits the work itself (claims from a shared counter). Returns false, having run nothing, when another caller holds
     * the team. A body's exception on any thread is rethrown here once all have finished.
     */
    static boolean runOnAll(Runnable body) {
        Thread[] helpers = Helpers.THREADS;
        if (helpers.length == 0) {
            body.run();
            return true;
        }
        if (!BUSY.tryLock()) return false;
        try {
            failure = null;
            RUNNING.set(helpers.length);
            job = body;
            epoch++;
            for (Thread t : helpers) LockSupport.unpark(t);
            try {
                body.run();
            } catch (Throwable t) {
                failure = t;
            }
            // The helpers finish within one claim of the caller, unless the OS took their core: then stop spinning.
            long t0 = System.nanoTime();
            while (RUNNING.get() > 0) {
                if (System.nanoTime() - t0 < SPIN_NANOS) Thread.onSpinWait();
                else Thread.yield();
            }
            job = null;
            Throwable f = failure;
            if (f instanceof RuntimeException e) throw e;
            if (f instanceof Error e) throw e;
            if (f != null) throw new IllegalStateException(f);
            return true;
        } finally {
            BUSY.unlock();
        }
    }

    private static void helperLoop() {
        int seen = 0;
        while (true) {
            long t0 = System.nanoTime();
            while (epoch == seen) {
                if (System.nanoTime() - t0 < SPIN_NANOS) Thread.onSpinWait();
                else LockSupport.park(GemvTeam.class);
            }
            seen = epoch;
            try {
                job.run();
            } catch (Throwable t) {
                failure = t;
            } finally {
                RUNNING.decrementAndGet();
            }
        }
    }
}
