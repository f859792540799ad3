package dev.kiln.collective.inproc;

import dev.kiln.collective.Communicator;
import dev.kiln.collective.lossy.CollectiveTimeoutException;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One rank of a 4-rank in-process all-reduce throws: the others must not hang. With the failure announced
 * ({@link InProcessGroup#abort}), every rank fails at once naming the failing rank; without it, the collective's
 * deadline fails them naming the rank that never arrived. Each rank's outcome is awaited with a 10 s bound.
 */
class InProcessGroupFailFastTest {
    private static final int RANKS = 4, FAILING = 2;

    @Test
    void an_aborted_group_fails_every_rank_naming_the_failed_one() throws Exception {
        try (InProcessGroup g = new InProcessGroup(RANKS)) {
            List<Throwable> outcomes = runAllReduce(g, true);
            for (int r = 0; r < RANKS; r++) {
                if (r == FAILING) continue;
                Throwable e = outcomes.get(r);
                assertInstanceOf(IllegalStateException.class, e, "rank " + r);
                assertEquals("rank " + r + " left the collective: rank 2 failed: java.lang.IllegalArgumentException: bad shape on rank 2", e.getMessage());
            }
        }
    }

    @Test
    void a_rank_that_never_arrives_fails_the_others_at_the_deadline_naming_it() throws Exception {
        try (InProcessGroup g = new InProcessGroup(RANKS, Duration.ofMillis(500))) {
            List<Throwable> outcomes = runAllReduce(g, false);
            for (int r = 0; r < RANKS; r++) {
                if (r == FAILING) continue;
                CollectiveTimeoutException e = assertInstanceOf(CollectiveTimeoutException.class, outcomes.get(r), "rank " + r);
                assertEquals(List.of(FAILING), e.missingRanks());
                assertTrue(e.getMessage().endsWith("rank(s) [2] never arrived"), e.getMessage());
            }
        }
    }

    @Test
    void a_healthy_group_still_sums_exactly() throws Exception {
        try (InProcessGroup g = new InProcessGroup(RANKS, Duration.ofSeconds(10));
             ExecutorService pool = Executors.newFixedThreadPool(RANKS);
             Arena arena = Arena.ofShared()) {
            MemorySegment[] data = new MemorySegment[RANKS];
            for (int r = 0; r < RANKS; r++) {
                data[r] = arena.allocate(ValueLayout.JAVA_FLOAT, 1000);
                for (int i = 0; i < 1000; i++) data[r].setAtIndex(ValueLayout.JAVA_FLOAT, i, r * 1000 + i); // sums exact in fp32
            }
            Future<?>[] f = new Future<?>[RANKS];
            for (int r = 0; r < RANKS; r++) {
                Communicator c = g.rank(r);
                MemorySegment d = data[r];
                f[r] = pool.submit(() -> c.allReduceSum(d));
            }
            for (Future<?> x : f) x.get(10, TimeUnit.SECONDS);
            for (int r = 0; r < RANKS; r++) {
                for (int i = 0; i < 1000; i++) assertEquals(6000f + 4 * i, data[r].getAtIndex(ValueLayout.JAVA_FLOAT, i));
            }
        }
    }

    /** Ranks as threads; rank {@value #FAILING} throws before the all-reduce (and, if {@code announce}, aborts the group). */
    private static List<Throwable> runAllReduce(InProcessGroup g, boolean announce) throws InterruptedException {
        long t0 = System.nanoTime();
        try (ExecutorService pool = Executors.newFixedThreadPool(RANKS); Arena arena = Arena.ofShared()) {
            Future<?>[] f = new Future<?>[RANKS];
            for (int r = 0; r < RANKS; r++) {
                Communicator c = g.rank(r);
                MemorySegment data = arena.allocate(ValueLayout.JAVA_FLOAT, 64);
                f[r] = pool.submit(() -> {
                    if (c.rank() == FAILING) {
                        IllegalArgumentException e = new IllegalArgumentException("bad shape on rank 2");
                        if (announce) g.abort(FAILING, e);
                        throw e;
                    }
                    c.allReduceSum(data);
                    return null;
                });
            }
            Throwable[] out = new Throwable[RANKS];
            for (int r = 0; r < RANKS; r++) {
                try {
                    f[r].get(10, TimeUnit.SECONDS);
                } catch (ExecutionException e) {
                    out[r] = e.getCause();
                } catch (TimeoutException e) {
                    throw new AssertionError("rank " + r + " still waiting after 10 s: the group hangs");
                }
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            assertTrue(seconds < 10, "took " + seconds + " s");
            return java.util.Arrays.asList(out);
        }
    }
}
