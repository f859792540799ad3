package dev.kiln.train;

import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class SgdMomentumTest {
    @RepeatedTest(5)
    void matches_an_fp64_heavy_ball_reference_on_its_shard_only() {
        long seed = Long.getLong("kiln.test.seed", System.nanoTime()); // -Dkiln.test.seed=N pins it
        SplittableRandom rnd = new SplittableRandom(seed);
        int n = 50 + rnd.nextInt(200), from = rnd.nextInt(n / 2), to = from + 1 + rnd.nextInt(n - from - 1);
        double mu = rnd.nextDouble(0, 0.99), wd = rnd.nextDouble(0, 0.2);
        boolean[] mask = new boolean[n];
        float[] w = new float[n];
        for (int i = 0; i < n; i++) {
            mask[i] = rnd.nextBoolean();
            w[i] = (float) rnd.nextGaussian();
        }
        double[] ref = new double[n], buf = new double[n];
        for (int i = 0; i < n; i++) ref[i] = w[i];
        float[] before = w.clone();
        SgdMomentum sgd = new SgdMomentum(from, to, mask, new SgdMomentum.Hyper(mu, wd));
        for (int step = 0; step < 10; step++) {
            double lr = rnd.nextDouble(0.01, 0.5);
            float[] g = new float[to - from];
            for (int i = 0; i < g.length; i++) g[i] = (float) rnd.nextGaussian();
            sgd.step(w, g, lr);
            for (int i = from; i < to; i++) {
                buf[i] = mu * buf[i] + g[i - from];
                ref[i] = (mask[i] ? ref[i] * (1 - lr * wd) : ref[i]) - lr * buf[i];
            }
        }
        for (int i = 0; i < n; i++) {
            if (i < from || i >= to) assertEquals(before[i], w[i], "seed " + seed + ": element " + i + " outside the shard changed");
            else assertEquals(ref[i], w[i], 1e-4 * (1 + Math.abs(ref[i])), "seed " + seed + ": element " + i);
        }
    }

    @Test
    void a_shrunk_gradient_is_a_proportionally_smaller_step() {
        // What zero-fill does under SGD (and not under Adam): gradient × c moves the weights c times as far.
        long seed = Long.getLong("kiln.test.seed", System.nanoTime()); // -Dkiln.test.seed=N pins it
        SplittableRandom rnd = new SplittableRandom(seed);
        int n = 64;
        float[] g = new float[n], a = new float[n], b = new float[n];
        for (int i = 0; i < n; i++) g[i] = (float) rnd.nextGaussian();
        float[] shrunk = g.clone();
        for (int i = 0; i < n; i++) shrunk[i] *= 0.5f;
        new SgdMomentum(0, n, new boolean[n], new SgdMomentum.Hyper(0.9, 0)).step(a, g, 0.1);
        new SgdMomentum(0, n, new boolean[n], new SgdMomentum.Hyper(0.9, 0)).step(b, shrunk, 0.1);
        for (int i = 0; i < n; i++) a[i] *= 0.5f;
        assertArrayEquals(a, b, 1e-7f, "seed " + seed);
    }

    @Test
    void bad_hyper_parameters_are_named() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new SgdMomentum.Hyper(1.0, 0));
        assertEquals("momentum = 1.0; must be in [0, 1)", e.getMessage());
    }

    @Test
    void switching_a_preset_to_sgd_takes_the_sgd_defaults_unless_told_otherwise() {
        TrainPreset sgd = TrainPreset.resolve("demo", null, 16, Optimizer.Kind.SGD, null, null, null);
        assertEquals(Optimizer.Kind.SGD, sgd.optimizer());
        assertEquals(TrainPreset.SGD_LR, sgd.lr());
        assertEquals(0.0, sgd.weightDecay());
        assertEquals(16, sgd.batch());
        assertEquals(TrainPreset.DEMO, TrainPreset.resolve("demo", null, null, null, null, null, null));
        assertEquals(0.05, TrainPreset.resolve("demo", null, null, Optimizer.Kind.SGD, 0.05, null, null).lr());
        assertThrows(IllegalArgumentException.class, () -> Optimizer.Kind.parse("lion"));
    }
}
