package dev.kiln.collective.lossy;

import dev.kiln.collective.Communicator;
import dev.kiln.collective.inproc.InProcessGroup;
import dev.kiln.collective.telemetry.PhaseReport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LossyAllReduceTest {
    private static final int RANKS = 4;

    private static LossyOptions options(LossPolicy policy, long deadlineMs) {
        return LossyOptions.defaults().withPolicy(policy).withPhaseDeadline(Duration.ofMillis(deadlineMs));
    }

    private static float[][] randomInputs(long seed, int ranks, int n) {
        SplittableRandom rnd = new SplittableRandom(seed);
        float[][] x = new float[ranks][n];
        for (float[] row : x) for (int i = 0; i < n; i++) row[i] = (float) (rnd.nextDouble() * 2 - 1);
        return x;
    }

    /** The exact reference: the in-process group's rank-ordered sum. */
    private static float[] exactSum(float[][] inputs) {
        int n = inputs[0].length;
        try (InProcessGroup g = new InProcessGroup(inputs.length)) {
            Communicator[] c = g.ranks();
            List<float[]> out = Ranks.parallel(inputs.length, r -> {
                float[] d = inputs[r].clone();
                c[r].allReduceSum(MemorySegment.ofArray(d));
                return d;
            });
            assertEquals(n, out.get(0).length);
            return out.get(0);
        }
    }

    @Test
    void without_loss_the_lossy_allreduce_equals_the_exact_allreduce_bit_for_bit() {
        long seed = Long.getLong("kiln.test.seed", System.nanoTime()); // -Dkiln.test.seed=N pins it
        int n = 10_007; // uneven shards, several packets each, a short last packet
        float[][] inputs = randomInputs(seed, RANKS, n);
        float[] sum = exactSum(inputs);
        float[] mean = new float[n];
        for (int i = 0; i < n; i++) mean[i] = sum[i] / RANKS;
        for (LossPolicy policy : new LossPolicy[]{LossPolicy.RESCALE_BY_COUNT, LossPolicy.ZERO_FILL, LossPolicy.RELIABLE}) {
            LossyAllReduce[] group = LossyAllReduce.inProcessGroup(RANKS, 0.0, seed, options(policy, 2000));
            List<float[]> means = Ranks.parallel(RANKS, r -> {
                float[] d = inputs[r].clone();
                AllReduceReport rep = group[r].allReduceMean(1, 7, d);
                assertEquals(1.0, rep.deliveredFraction(), "seed " + seed);
                return d;
            });
            List<float[]> sums = Ranks.parallel(RANKS, r -> {
                float[] d = inputs[r].clone();
                group[r].allReduceSum(2, 8, MemorySegment.ofArray(d));
                return d;
            });
            for (int r = 0; r < RANKS; r++) {
                assertArrayEquals(mean, means.get(r), policy + " mean, rank " + r + ", seed " + seed);
                assertArrayEquals(sum, sums.get(r), policy + " sum, rank " + r + ", seed " + seed);
            }
            for (LossyAllReduce g : group) g.close();
        }
    }

    @Test
    void the_reliable_policy_resends_what_was_lost_and_stays_exact_under_loss() {
        long seed = Long.getLong("kiln.test.seed", System.nanoTime()); // -Dkiln.test.seed=N pins it
        int n = 20_011;
        float[][] inputs = randomInputs(seed, RANKS, n);
        float[] sum = exactSum(inputs);
        LossyAllReduce[] group = LossyAllReduce.inProcessGroup(RANKS, 0.2, seed, options(LossPolicy.RELIABLE, 20_000));
        List<float[]> out = Ranks.parallel(RANKS, r -> {
            float[] d = null;
            for (int step = 0; step < 5; step++) {
                d = inputs[r].clone();
                group[r].allReduceSum(step, 3, MemorySegment.ofArray(d));
            }
            group[r].close(); // lingers until its last phase's receivers have everything
            return d;
        });
        long resent = 0;
        for (LossyAllReduce g : group) resent += g.profile().totalRetransmitted();
        for (int r = 0; r < RANKS; r++) assertArrayEquals(sum, out.get(r), "rank " + r + " seed " + seed);
        assertTrue(resent > 0, "at 20 % loss something must have been resent, seed " + seed);
    }

    /**
     * Homogeneous ranks (the paper's assumption): every rank's gradient is truth + fresh noise. Over many
     * steps the owners' rescale-by-count (and rescale-by-p) estimates average to the truth within 4 sigma;
     * zero-fill averages to truth * (1 + (n-1)(1-p)) / n, i.e. shrunk towards (1-p).
     */
    @ParameterizedTest
    @EnumSource(value = LossPolicy.class, names = {"RESCALE_BY_COUNT", "RESCALE_BY_P", "ZERO_FILL"})
    void the_reduce_scatter_estimate_is_unbiased_or_shrunk_as_the_policy_says(LossPolicy policy) {
        long seed = Long.getLong("kiln.test.seed", System.nanoTime()); // -Dkiln.test.seed=N pins it
        double p = 0.3;
        int n = RANKS * 3 * 358;
        int steps = 300;
        SplittableRandom truthRnd = new SplittableRandom(seed);
        float[] truth = new float[n];
        double truthSum = 0;
        for (int i = 0; i < n; i++) {
            truth[i] = (float) (0.5 + truthRnd.nextDouble());
            truthSum += truth[i];
        }
        double tsum = truthSum;
        LossyAllReduce[] group = LossyAllReduce.inProcessGroup(RANKS, p, seed,
                options(policy, 30).withAssumedLossRate(p));
        // ratio[t] = sum of the estimate over the whole vector / sum of the truth, for step t
        List<double[]> perRank = Ranks.parallel(RANKS, r -> {
            SplittableRandom rnd = new SplittableRandom(seed * 31 + r);
            double[] shardSums = new double[steps];
            float[] g = new float[n];
            for (int t = 0; t < steps; t++) {
                for (int i = 0; i < n; i++) g[i] = truth[i] + (float) (rnd.nextGaussian() * 0.5);
                ShardGradient sg = group[r].reduceScatterGradients(t, g);
                double s = 0;
                for (float v : sg.mean()) {
                    assertTrue(Float.isFinite(v), "seed " + seed);
                    s += v;
                }
                shardSums[t] = s;
            }
            return shardSums;
        });
        double[] ratio = new double[steps];
        for (int t = 0; t < steps; t++) {
            for (double[] shard : perRank) ratio[t] += shard[t];
            ratio[t] /= tsum;
        }
        double mean = 0;
        for (double v : ratio) mean += v;
        mean /= steps;
        double var = 0;
        for (double v : ratio) var += (v - mean) * (v - mean);
        double se = Math.sqrt(var / (steps - 1) / steps);
        double expected = policy == LossPolicy.ZERO_FILL ? (1 + (RANKS - 1) * (1 - p)) / RANKS : 1.0;
        String msg = policy + ": mean ratio " + mean + " expected " + expected + " se " + se + " seed " + seed
                + " delivered " + group[0].profile().deliveredFraction();
        assertTrue(Math.abs(mean - expected) < 4 * se, msg);
        if (policy == LossPolicy.ZERO_FILL) assertTrue(Math.abs(mean - 1.0) > 8 * se, "zero-fill must be visibly biased: " + msg);
        double delivered = group[0].profile().deliveredFraction();
        assertTrue(Math.abs(delivered - (1 - p)) < 0.03, "delivered " + delivered + " seed " + seed);
        for (LossyAllReduce l : group) l.close();
    }

    /**
     * The sharded parameter path on a noisy quadratic: owners update their shard and broadcast it; lost
     * broadcast packets leave stale values. The replica gap mean ||x_i - mean x||^2 must plateau, not grow.
     */
    @ParameterizedTest
    @ValueSource(doubles = {0.1, 0.3})
    void replica_drift_stays_bounded_over_a_thousand_steps(double p) {
        long seed = Long.getLong("kiln.test.seed", System.nanoTime()); // -Dkiln.test.seed=N pins it
        int n = RANKS * 4 * 358; // 4 packets per shard: the gap sums over them, which steadies its average
        int steps = 1000;
        float lr = 0.05f;
        LossyAllReduce[] group = LossyAllReduce.inProcessGroup(RANKS, p, seed, options(LossPolicy.RESCALE_BY_COUNT, 20));
        float[][] params = new float[RANKS][n];
        double[] drift = new double[steps];
        java.util.concurrent.CyclicBarrier meet = new java.util.concurrent.CyclicBarrier(RANKS, () -> { });
        double[] driftAt = drift;
        Ranks.parallel(RANKS, r -> {
            SplittableRandom rnd = new SplittableRandom(seed + r);
            float[] x = params[r];
            float[] g = new float[n];
            try {
                for (int t = 0; t < steps; t++) {
                    for (int i = 0; i < n; i++) g[i] = x[i] - 1.0f + (float) rnd.nextGaussian();
                    ShardGradient sg = group[r].reduceScatterGradients(t, g);
                    for (int i = 0; i < sg.length(); i++) x[(int) sg.offset() + i] -= lr * sg.mean()[i];
                    group[r].broadcastParameters(t, x);
                    meet.await();
                    if (r == 0) driftAt[t] = ReplicaDrift.meanSquaredDeviation(params);
                    meet.await();
                }
            } catch (Exception e) {
                throw new AssertionError(e);
            }
            return null;
        });
        double q2 = average(drift, steps / 4, steps / 2);
        double q4 = average(drift, 3 * steps / 4, steps);
        double max = 0;
        for (double d : drift) max = Math.max(max, d);
        String msg = "p " + p + ": drift quarter 2 " + q2 + ", quarter 4 " + q4 + ", max " + max + ", seed " + seed;
        System.out.println(msg);
        assertTrue(q4 < 1.5 * q2 + 1e-9, "drift grows: " + msg);
        // One step moves a coordinate by about lr * sigma / sqrt(c); a gap of many steps' worth would mean divergence.
        assertTrue(max < 20 * n * lr * lr, "drift too large: " + msg);
        for (LossyAllReduce l : group) l.close();
    }

    private static double average(double[] a, int from, int to) {
        double s = 0;
        for (int i = from; i < to; i++) s += a[i];
        return s / (to - from);
    }

    @ParameterizedTest
    @EnumSource(value = LossPolicy.class, names = {"RESCALE_BY_COUNT", "RESCALE_BY_P", "ZERO_FILL"})
    void empty_shards_and_lost_chunks_never_give_nan(LossPolicy policy) {
        long seed = Long.getLong("kiln.test.seed", System.nanoTime()); // -Dkiln.test.seed=N pins it
        for (int n : new int[]{0, 1, 3, 5, 400}) {
            LossyAllReduce[] group = LossyAllReduce.inProcessGroup(RANKS, 0.9, seed, options(policy, 15).withAssumedLossRate(0.9));
            List<float[]> out = Ranks.parallel(RANKS, r -> {
                float[] d = new float[n];
                java.util.Arrays.fill(d, r + 1);
                for (int step = 0; step < 3; step++) group[r].allReduceMean(step, 1, d);
                ShardGradient g = group[r].reduceScatterGradients(3, d);
                for (int i = 0; i < g.length(); i++) assertTrue(g.contributions(i) >= 1);
                float[] all = new float[g.length() + d.length];
                System.arraycopy(g.mean(), 0, all, 0, g.length());
                System.arraycopy(d, 0, all, g.length(), d.length);
                return all;
            });
            for (float[] o : out) for (float v : o) assertTrue(Float.isFinite(v), policy + " n " + n + " seed " + seed);
            for (LossyAllReduce l : group) l.close();
        }
    }

    @Test
    void a_killed_rank_is_reported_by_number_and_the_others_finish_by_the_deadline() {
        long seed = Long.getLong("kiln.test.seed", System.nanoTime()); // -Dkiln.test.seed=N pins it
        int n = 5000;
        int killed = 2;
        long deadlineMs = 300;
        dev.kiln.collective.wire.InProcessDatagramFabric fabric = new dev.kiln.collective.wire.InProcessDatagramFabric(RANKS, 0, seed);
        LossyAllReduce[] group = new LossyAllReduce[RANKS];
        for (int r = 0; r < RANKS; r++) group[r] = new LossyAllReduce(fabric.endpoint(r), options(LossPolicy.RESCALE_BY_COUNT, deadlineMs));
        float[][] inputs = randomInputs(seed, RANKS, n);
        List<AllReduceReport> last = Ranks.parallel(RANKS, r -> {
            float[] d = inputs[r].clone();
            AllReduceReport rep = null;
            for (int step = 0; step < 3; step++) {
                if (r == killed && step == 2) {
                    group[r].close(); // the process dies: nothing more arrives from it
                    return null;
                }
                rep = group[r].allReduceMean(step, 1, d);
            }
            for (float v : d) assertTrue(Float.isFinite(v));
            return rep;
        });
        for (int r = 0; r < RANKS; r++) {
            if (r == killed) continue;
            AllReduceReport rep = last.get(r);
            PhaseReport rs = rep.reduceScatter();
            assertEquals(List.of(killed), rs.unfinishedPeers(), "rank " + r + ": " + rs + " seed " + seed);
            assertEquals(List.of(killed), rs.silentPeers(), "rank " + r + ": " + rs);
            assertTrue(rs.deadlineExpired());
            assertTrue(rep.nanos() < 4 * deadlineMs * 1_000_000L, "rank " + r + " took " + rep.nanos() / 1e6 + " ms");
            assertTrue(rs.toString().contains("unfinished peers [" + killed + "]"), rs.toString());
        }
        for (LossyAllReduce l : group) l.close();
    }
}
