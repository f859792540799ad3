package dev.kiln.train;

import dev.kiln.collective.lossy.LossPolicy;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Data-parallel training end to end on the KJV corpus, ranks as threads with seeded in-process loss. */
class DataParallelTrainingTest {
    private static CharCorpus corpus;
    private static final TrainPreset SHORT = TrainPreset.TINY.withSteps(40);
    /** Largest final validation loss (nats) a 10 % loss run may lose to its lossless twin in 40 steps. */
    private static final double LOSSY_GAP = 0.1;

    @BeforeAll
    static void loadCorpus() throws IOException {
        corpus = CharCorpus.kingJames();
    }

    @Test
    void losslessLossyTransportIsBitIdenticalToReliable() {
        long seed = Long.getLong("kiln.test.seed", System.nanoTime()); // -Dkiln.test.seed=N pins it
        InProcessTraining.Result lossy = InProcessTraining.run(corpus, new RunSpec(SHORT, 3, 0.0, LossPolicy.RESCALE_BY_COUNT, seed), null);
        InProcessTraining.Result reliable = InProcessTraining.run(corpus, new RunSpec(SHORT, 3, 0.0, LossPolicy.RELIABLE, seed), null);
        for (int r = 0; r < 3; r++) {
            assertArrayEquals(reliable.params()[r], lossy.params()[r], "seed " + seed + ": rank " + r + " differs");
            assertArrayEquals(reliable.params()[0], lossy.params()[r], "seed " + seed + ": rank " + r + " is not a replica of rank 0");
        }
        assertEquals(1.0, lossy.curve().deliveredFraction(), "seed " + seed);
        assertEquals(0.0, lossy.curve().maxDrift(), "seed " + seed);
    }

    @Test
    void lossyRunAtTenPercentLowersValidationLoss() {
        long seed = Long.getLong("kiln.test.seed", System.nanoTime()); // -Dkiln.test.seed=N pins it
        TrainCurve c = InProcessTraining.run(corpus, new RunSpec(SHORT, 4, 0.1, LossPolicy.RESCALE_BY_COUNT, seed), null).curve();
        double initial = c.points().getFirst().validationLoss(), last = c.finalValidationLoss();
        // ln(73) ≈ 4.29 at initialisation; 40 tiny steps reach about 3.1 (unigram statistics and more).
        assertTrue(initial > 4.0, "seed " + seed + ": initial validation loss " + initial);
        assertTrue(last < initial - 0.7, "seed " + seed + ": validation loss went from " + initial + " to only " + last);
        // Against the same run without loss (same seed, same data order): 10 % loss may cost a little, not the learning.
        double lossless = InProcessTraining.run(corpus, new RunSpec(SHORT, 4, 0.0, LossPolicy.RESCALE_BY_COUNT, seed), null).curve().finalValidationLoss();
        System.out.printf("10 %% loss: final validation loss %.4f, lossless %.4f (seed %d)%n", last, lossless, seed);
        assertTrue(last - lossless < LOSSY_GAP, "seed " + seed + ": final validation loss " + last + " under 10 % loss, " + lossless + " without");
        // About 10 % of the packets are lost: ±4σ over the run's packets is well inside ±0.03.
        assertEquals(0.9, c.deliveredFraction(), 0.03, "seed " + seed);
        assertTrue(c.maxDrift() > 0, "seed " + seed + ": lost broadcast packets must leave replicas apart");
        assertTrue(c.maxDrift() < 0.05, "seed " + seed + ": replica drift " + c.maxDrift() + " is not bounded");
    }

    @Test
    void lossInOnePhaseOnlyHitsThatPhase() {
        long seed = Long.getLong("kiln.test.seed", System.nanoTime()); // -Dkiln.test.seed=N pins it
        // Gradients lost, parameters delivered: the owners' updates are noisier, but every replica gets every shard.
        InProcessTraining.Result rs = InProcessTraining.run(corpus,
                new RunSpec(SHORT, 4, 0.2, LossPolicy.RESCALE_BY_COUNT, seed, LossPhases.REDUCE_SCATTER), null);
        assertEquals(0.0, rs.curve().maxDrift(), "seed " + seed + ": no broadcast packet was lost, replicas must agree");
        for (int r = 1; r < 4; r++) assertArrayEquals(rs.params()[0], rs.params()[r], "seed " + seed + ": rank " + r);
        // Half the datagrams belong to each phase: about 0.9 delivered overall at p = 0.2 in one phase.
        assertEquals(0.9, rs.curve().deliveredFraction(), 0.03, "seed " + seed);
        // Parameters lost, gradients delivered: replicas drift (stale retention).
        TrainCurve bc = InProcessTraining.run(corpus,
                new RunSpec(SHORT, 4, 0.2, LossPolicy.RESCALE_BY_COUNT, seed, LossPhases.BROADCAST), null).curve();
        assertTrue(bc.maxDrift() > 0, "seed " + seed + ": lost broadcast packets must leave replicas apart");
        assertEquals(0.9, bc.deliveredFraction(), 0.03, "seed " + seed);
        assertTrue(bc.finalValidationLoss() < bc.points().getFirst().validationLoss() - 0.7, "seed " + seed);
    }

    @Test
    void sgdWithMomentumTrainsAndIsBitIdenticalAcrossTransportsAtZeroLoss() {
        long seed = Long.getLong("kiln.test.seed", System.nanoTime()); // -Dkiln.test.seed=N pins it
        TrainPreset sgd = TrainPreset.resolve("tiny", 40, null, Optimizer.Kind.SGD, null, null, null);
        InProcessTraining.Result lossy = InProcessTraining.run(corpus, new RunSpec(sgd, 2, 0.0, LossPolicy.ZERO_FILL, seed), null);
        InProcessTraining.Result reliable = InProcessTraining.run(corpus, new RunSpec(sgd, 2, 0.0, LossPolicy.RELIABLE, seed), null);
        for (int r = 0; r < 2; r++) assertArrayEquals(reliable.params()[r], lossy.params()[r], "seed " + seed + ": rank " + r);
        double initial = lossy.curve().points().getFirst().validationLoss();
        assertTrue(lossy.curve().finalValidationLoss() < initial - 0.7,
                "seed " + seed + ": SGD took validation loss from " + initial + " to only " + lossy.curve().finalValidationLoss());
    }

    @Test
    void momentumRetentionIsExactWithoutLossAndLearnsUnderIt() {
        long seed = Long.getLong("kiln.test.seed", System.nanoTime()); // -Dkiln.test.seed=N pins it
        InProcessTraining.Result lossless = InProcessTraining.run(corpus,
                new RunSpec(SHORT, 3, 0.0, LossPolicy.RESCALE_BY_COUNT, seed, LossPhases.BOTH, 0.9), null);
        InProcessTraining.Result reliable = InProcessTraining.run(corpus, new RunSpec(SHORT, 3, 0.0, LossPolicy.RELIABLE, seed), null);
        for (int r = 0; r < 3; r++) assertArrayEquals(reliable.params()[r], lossless.params()[r], "seed " + seed + ": rank " + r);
        // Parameters lost: the prediction replaces the stale value, replicas still drift (boundedly) and the run learns.
        TrainCurve bc = InProcessTraining.run(corpus,
                new RunSpec(SHORT, 4, 0.2, LossPolicy.RESCALE_BY_COUNT, seed, LossPhases.BROADCAST, 0.9), null).curve();
        assertTrue(bc.maxDrift() > 0 && bc.maxDrift() < 0.05, "seed " + seed + ": drift " + bc.maxDrift());
        assertTrue(bc.finalValidationLoss() < bc.points().getFirst().validationLoss() - 0.7, "seed " + seed);
    }
}
