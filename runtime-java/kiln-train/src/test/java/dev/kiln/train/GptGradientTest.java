package dev.kiln.train;

import org.junit.jupiter.api.RepeatedTest;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Finite-difference check of the hand-written backward: for every tensor, the directional derivative along a
 * random unit direction inside that tensor, by central differences, must match {@code grad · direction}.
 * Odd sizes (vocab 11, head dim 6) exercise the masked vector tails.
 */
class GptGradientTest {
    @RepeatedTest(2)
    void backwardMatchesFiniteDifferencesForEveryTensor() {
        long seed = Long.getLong("kiln.test.seed", System.nanoTime()); // -Dkiln.test.seed=N pins it
        SplittableRandom rnd = new SplittableRandom(seed);
        GptConfig cfg = new GptConfig(11, 7, 12, 2, 2);
        ParameterLayout layout = new ParameterLayout(cfg);
        Gpt gpt = new Gpt(layout);
        float[] w = new float[layout.size()];
        layout.initialise(w, seed);
        // Move away from the symmetric initial point (unit gains, zero biases) so every term of the backward matters.
        for (int i = 0; i < w.length; i++) w[i] += (float) (0.15 * (rnd.nextDouble() * 2 - 1));
        int batch = 3;
        int[] tokens = new int[batch * cfg.context()], targets = new int[tokens.length];
        for (int i = 0; i < tokens.length; i++) {
            tokens[i] = rnd.nextInt(cfg.vocab());
            targets[i] = rnd.nextInt(cfg.vocab());
        }
        Gpt.Workspace ws = gpt.workspace(batch);
        float[] g = new float[layout.size()];
        gpt.lossAndGradient(w, g, tokens, targets, ws);

        double eps = 1e-2;
        StringBuilder failures = new StringBuilder();
        for (ParameterLayout.Tensor t : layout.tensors()) {
            double[] dir = new double[t.size()];
            double norm = 0;
            for (int i = 0; i < dir.length; i++) {
                dir[i] = rnd.nextDouble() * 2 - 1;
                norm += dir[i] * dir[i];
            }
            norm = Math.sqrt(norm);
            double analytic = 0;
            for (int i = 0; i < dir.length; i++) {
                dir[i] /= norm;
                analytic += g[t.offset() + i] * dir[i];
            }
            float[] plus = w.clone(), minus = w.clone();
            for (int i = 0; i < dir.length; i++) {
                plus[t.offset() + i] += (float) (eps * dir[i]);
                minus[t.offset() + i] -= (float) (eps * dir[i]);
            }
            double numeric = (gpt.loss(plus, tokens, targets, ws) - gpt.loss(minus, tokens, targets, ws)) / (2 * eps);
            double err = Math.abs(numeric - analytic);
            if (err > 0.03 * Math.abs(analytic) + 3e-4) {
                failures.append(String.format("%n  %-14s analytic %.6g numeric %.6g", t.name(), analytic, numeric));
            }
        }
        assertTrue(failures.isEmpty(), "seed " + seed + ": gradient mismatch:" + failures);
    }
}
