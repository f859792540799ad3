package dev.kiln.train;

import dev.kiln.collective.lossy.LossPolicy;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/**
 * Rank 0 of a 3-rank in-process training run throws at step 3 (its progress callback, which only rank 0 calls,
 * fails): the run must fail within 10 s naming rank 0, not wait on the other ranks, which block at the next
 * gradient all-reduce for a rank that will never come.
 */
class InProcessTrainingFailFastTest {
    @Test
    void a_failing_rank_fails_the_run_naming_it() throws IOException {
        CharCorpus corpus = CharCorpus.kingJames();
        RunSpec spec = new RunSpec(TrainPreset.TINY.withSteps(40), 3, 0.0, LossPolicy.RELIABLE, 11);
        IllegalStateException e = assertTimeoutPreemptively(Duration.ofSeconds(10), () -> assertThrows(IllegalStateException.class,
                () -> InProcessTraining.run(corpus, spec, step -> {
                    if (step == 3) throw new IllegalStateException("disk full while logging step 3");
                })));
        assertEquals("training rank 0 of 3 failed: java.lang.IllegalStateException: disk full while logging step 3", e.getMessage());
        // The other ranks were blocked in the all-reduce: they must be released, not left parked for good.
        long until = System.nanoTime() + 5_000_000_000L;
        while (rankThreadsAlive() > 0 && System.nanoTime() < until) Thread.onSpinWait();
        assertEquals(0, rankThreadsAlive(), "training rank threads still alive 5 s after the run failed");
    }

    private static long rankThreadsAlive() {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().equals("train-rank") && t.isAlive()).count();
    }
}
