package dev.kiln.train;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GradientNoiseScaleTest {
    /**
     * Per-sample gradients G + ε with known G and diagonal Σ: the estimate from W ranks of b samples each must find
     * tr(Σ) / |G|², the ground truth, within its sampling error.
     */
    @Test
    void recovers_the_noise_scale_of_synthetic_gradients() {
        SplittableRandom rnd = new SplittableRandom(7);
        int dim = 64, workers = 4, perWorker = 8, steps = 4000;
        double[] g = new double[dim], sigma = new double[dim];
        double signal = 0, trace = 0;
        for (int i = 0; i < dim; i++) {
            g[i] = rnd.nextGaussian() * 0.1;
            sigma[i] = 0.2 + rnd.nextDouble();
            signal += g[i] * g[i];
            trace += sigma[i] * sigma[i];
        }
        double truth = trace / signal;

        GradientNoiseScale noise = new GradientNoiseScale(perWorker, workers);
        double[][] local = new double[workers][dim];
        for (int s = 0; s < steps; s++) {
            double localSq = 0, meanSq = 0;
            for (int r = 0; r < workers; r++) {
                for (int i = 0; i < dim; i++) {
                    double sum = 0;
                    for (int k = 0; k < perWorker; k++) sum += g[i] + sigma[i] * rnd.nextGaussian();
                    local[r][i] = sum / perWorker;
                    localSq += local[r][i] * local[r][i];
                }
            }
            for (int i = 0; i < dim; i++) {
                double m = 0;
                for (int r = 0; r < workers; r++) m += local[r][i];
                m /= workers;
                meanSq += m * m;
            }
            // Every rank of the fake sync reports the rank means: its local |g|² and a 1/W share of |g_B|².
            noise.add(localSq / workers, meanSq / workers);
        }
        double estimate = noise.takeWindow(new IdentitySync(workers));
        assertEquals(truth, estimate, 0.1 * truth, "truth " + truth + ", estimate " + estimate);
        assertTrue(Double.isNaN(noise.takeWindow(new IdentitySync(workers))), "an empty window has no estimate");
    }

    @Test
    void one_worker_has_no_estimate() {
        GradientNoiseScale noise = new GradientNoiseScale(8, 1);
        noise.add(1, 1);
        assertTrue(Double.isNaN(noise.takeWindow(new IdentitySync(1))));
    }

    @Test
    void closed_form_matches_the_two_batch_sizes() {
        // |g_b|² = |G|² + tr/b exactly: |G|² = 2, tr = 40, b = 8, B = 32.
        assertEquals(20.0, GradientNoiseScale.estimate(2 + 40.0 / 8, 2 + 40.0 / 32, 8, 32), 1e-12);
    }

    /** Ranks as one: {@code meanOverRanks} returns its argument, as when every rank holds the same value. */
    private record IdentitySync(int size) implements GradientSync {
        public int rank() { return 0; }
        public int shardLength() { return 0; }
        public void reduceScatterMean(float[] grad, float[] shardGrad) { throw new UnsupportedOperationException(); }
        public void broadcastShards(float[] params) { throw new UnsupportedOperationException(); }
        public double meanOverRanks(double value) { return value; }
        public double replicaDrift(float[] params, int length) { return 0; }
        public float[] ownersModel(float[] params) { return params; }
        public double deliveredFraction() { return 1; }
    }
}
