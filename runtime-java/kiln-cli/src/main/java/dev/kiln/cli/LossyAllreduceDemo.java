package dev.kiln.cli;

import dev.kiln.collective.Communicator;
import dev.kiln.collective.bench.BenchConfig;
import dev.kiln.collective.bench.BenchLauncher;
import dev.kiln.collective.bench.BenchResult;
import dev.kiln.collective.inproc.InProcessGroup;
import dev.kiln.collective.lossy.LossPolicy;
import dev.kiln.collective.lossy.LossyAllReduce;
import dev.kiln.collective.lossy.LossyOptions;
import dev.kiln.collective.lossy.ReplicaDrift;
import dev.kiln.collective.lossy.ShardGradient;
import dev.kiln.collective.netlab.LossyNamespace;

import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;

/**
 * Demo section of the lossy allreduce (arXiv 2507.07114): exactness without loss, unbiasedness and
 * zero-fill's shrinkage under seeded loss, bounded replica drift, and (as root) real nftables loss
 * across 4 processes. Ranks are threads except in the last check.
 */
final class LossyAllreduceDemo implements DemoSection {
    private static final int RANKS = 4;

    @Override public String title() { return "lossy allreduce under packet loss (arXiv 2507.07114)"; }

    private static <T> List<T> ranks(IntFunction<T> body) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(RANKS);
        try {
            List<Future<T>> fs = new ArrayList<>();
            for (int r = 0; r < RANKS; r++) {
                int rank = r;
                fs.add(pool.submit(() -> body.apply(rank)));
            }
            List<T> out = new ArrayList<>();
            for (Future<T> f : fs) out.add(f.get(120, TimeUnit.SECONDS));
            return out;
        } finally {
            pool.shutdownNow();
        }
    }

    private static LossyOptions options(LossPolicy p, double loss) {
        return LossyOptions.defaults().withPolicy(p).withPhaseDeadline(Duration.ofMillis(500)).withAssumedLossRate(loss);
    }

    @Override
    public List<DemoResult> run(List<String> backends) throws Exception {
        List<DemoResult> out = new ArrayList<>();
        long seed = System.nanoTime();
        out.add(exactWithoutLoss(seed));
        for (LossPolicy p : List.of(LossPolicy.RESCALE_BY_COUNT, LossPolicy.ZERO_FILL)) out.add(bias(p, 0.1, seed));
        out.add(drift(0.1, seed));
        out.add(realLoss());
        return out;
    }

    private DemoResult exactWithoutLoss(long seed) throws Exception {
        int n = 100_003;
        SplittableRandom rnd = new SplittableRandom(seed);
        float[][] in = new float[RANKS][n];
        for (float[] row : in) for (int i = 0; i < n; i++) row[i] = (float) rnd.nextDouble(-1, 1);
        float[] exact;
        try (InProcessGroup g = new InProcessGroup(RANKS)) {
            Communicator[] c = g.ranks();
            exact = ranks(r -> {
                float[] d = in[r].clone();
                c[r].allReduceSum(MemorySegment.ofArray(d));
                return d;
            }).get(0);
        }
        LossyAllReduce[] group = LossyAllReduce.inProcessGroup(RANKS, 0, seed,
                options(LossPolicy.RESCALE_BY_COUNT, 0).withPhaseDeadline(Duration.ofSeconds(10)));
        long t0 = System.nanoTime();
        List<float[]> got = ranks(r -> {
            float[] d = in[r].clone();
            group[r].allReduceSum(0, 1, MemorySegment.ofArray(d));
            return d;
        });
        long ns = System.nanoTime() - t0;
        for (LossyAllReduce l : group) l.close();
        long mismatches = 0;
        for (float[] g : got) for (int i = 0; i < n; i++) if (Float.floatToRawIntBits(g[i]) != Float.floatToRawIntBits(exact[i])) mismatches++;
        return new DemoResult("p=0: lossy == exact allreduce, n=" + n, "inproc", mismatches == 0,
                String.format(Locale.ROOT, "%d of %d floats differ in any bit, %.1f ms", mismatches, n * RANKS, ns / 1e6));
    }

    private DemoResult bias(LossPolicy policy, double p, long seed) throws Exception {
        int n = RANKS * 2 * 358, steps = 150;
        float[] truth = new float[n];
        SplittableRandom t = new SplittableRandom(seed + 1);
        double truthSum = 0;
        for (int i = 0; i < n; i++) truthSum += truth[i] = (float) (0.5 + t.nextDouble());
        LossyAllReduce[] group = LossyAllReduce.inProcessGroup(RANKS, p, seed, options(policy, p));
        List<double[]> sums = ranks(r -> {
            SplittableRandom rnd = new SplittableRandom(seed * 7 + r);
            double[] s = new double[steps];
            float[] g = new float[n];
            for (int k = 0; k < steps; k++) {
                for (int i = 0; i < n; i++) g[i] = truth[i] + (float) (rnd.nextGaussian() * 0.5);
                for (float v : group[r].reduceScatterGradients(k, g).mean()) s[k] += v;
            }
            return s;
        });
        double delivered = group[0].profile().deliveredFraction();
        for (LossyAllReduce l : group) l.close();
        double[] ratio = new double[steps];
        for (int k = 0; k < steps; k++) {
            for (double[] s : sums) ratio[k] += s[k];
            ratio[k] /= truthSum;
        }
        double mean = Arrays.stream(ratio).average().orElse(0);
        double var = Arrays.stream(ratio).map(v -> (v - mean) * (v - mean)).sum() / (steps - 1);
        double se = Math.sqrt(var / steps);
        double expected = policy == LossPolicy.ZERO_FILL ? (1 + (RANKS - 1) * (1 - p)) / RANKS : 1.0;
        return new DemoResult(String.format(Locale.ROOT, "%s p=%.1f: E[estimate]/truth = %.3f", policy.cliName(), p, expected), "inproc",
                Math.abs(mean - expected) < 4 * se,
                String.format(Locale.ROOT, "measured %.4f ± %.4f over %d steps, delivered %.3f", mean, se, steps, delivered));
    }

    private DemoResult drift(double p, long seed) throws Exception {
        int n = RANKS * 4 * 358, steps = 400;
        float lr = 0.05f;
        LossyAllReduce[] group = LossyAllReduce.inProcessGroup(RANKS, p, seed, options(LossPolicy.RESCALE_BY_COUNT, p));
        float[][] params = new float[RANKS][n];
        double[] d = new double[steps];
        CyclicBarrier meet = new CyclicBarrier(RANKS);
        ranks(r -> {
            SplittableRandom rnd = new SplittableRandom(seed + r);
            float[] g = new float[n];
            try {
                for (int k = 0; k < steps; k++) {
                    for (int i = 0; i < n; i++) g[i] = params[r][i] - 1f + (float) rnd.nextGaussian();
                    ShardGradient sg = group[r].reduceScatterGradients(k, g);
                    for (int i = 0; i < sg.length(); i++) params[r][(int) sg.offset() + i] -= lr * sg.mean()[i];
                    group[r].broadcastParameters(k, params[r]);
                    meet.await();
                    if (r == 0) d[k] = ReplicaDrift.meanSquaredDeviation(params);
                    meet.await();
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            return null;
        });
        for (LossyAllReduce l : group) l.close();
        double q2 = Arrays.stream(d, steps / 4, steps / 2).average().orElse(0), q4 = Arrays.stream(d, 3 * steps / 4, steps).average().orElse(0);
        return new DemoResult(String.format(Locale.ROOT, "sharded params p=%.1f: replica drift plateaus", p), "inproc", q4 < 1.5 * q2 + 1e-9,
                String.format(Locale.ROOT, "mean ||x_i - xbar||^2: %.4f (steps 100-200), %.4f (steps 300-400)", q2, q4));
    }

    private DemoResult realLoss() {
        String cause = LossyNamespace.unavailabilityCause();
        if (cause != null) return new DemoResult("4 processes, 10% nft loss", "udp", true, "skipped: " + cause);
        BenchConfig cfg = new BenchConfig("udp", RANKS, 256 << 10, 0.10, LossPolicy.RESCALE_BY_COUNT, 40, 2, Duration.ofSeconds(1), 1472, true);
        BenchResult r = BenchLauncher.run(cfg, 120);
        return new DemoResult("4 processes, 10% nft loss: delivered 0.90 ± 0.02", "udp+netns", Math.abs(r.delivered() - 0.9) <= 0.02,
                String.format(Locale.ROOT, "delivered %.4f, nft dropped %d/%d, step p50 %.1f ms p99 %.1f ms", r.delivered(), r.nftDropped(),
                        r.nftSeen(), r.percentile(50), r.percentile(99)));
    }
}
