package dev.kiln.inference.model;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Sampling frequencies against the softmax computed here in fp64, top-p's support, greedy ties, NaN and bad options. */
class SamplerTest {
    static final long SEED = Long.getLong("kiln.test.seed", System.nanoTime());

    static double[] softmax(float[] logits, double t) {
        double max = Double.NEGATIVE_INFINITY, sum = 0;
        for (float l : logits) max = Math.max(max, l);
        double[] p = new double[logits.length];
        for (int i = 0; i < p.length; i++) sum += p[i] = Math.exp((logits[i] - max) / t);
        for (int i = 0; i < p.length; i++) p[i] /= sum;
        return p;
    }

    static void frequencies(float[] logits, double t, double topP, double[] want) {
        Sampler s = new Sampler(t, topP, SEED);
        int n = 200_000;
        int[] count = new int[logits.length];
        for (int i = 0; i < n; i++) count[s.next(logits)]++;
        for (int i = 0; i < want.length; i++) {
            double sigma = Math.sqrt(n * want[i] * (1 - want[i]));
            assertTrue(Math.abs(count[i] - n * want[i]) <= 5 * sigma + 1e-9, "seed " + SEED + ", T " + t + ", top-p " + topP + ", token " + i
                    + ": " + count[i] + " of " + n + ", expected " + n * want[i]);
        }
    }

    @Test
    void draws_follow_the_softmax_and_top_p_keeps_the_smallest_set_reaching_p() {
        float[] logits = {2, 1, 0, -1};
        frequencies(logits, 1.0, 1.0, softmax(logits, 1.0));
        frequencies(logits, 0.5, 1.0, softmax(logits, 0.5));
        double[] p = softmax(logits, 1.0);   // 0.644, 0.237, 0.087, 0.032: the first two reach 0.7
        double kept = p[0] + p[1];
        frequencies(logits, 1.0, 0.7, new double[]{p[0] / kept, p[1] / kept, 0, 0});
    }

    @Test
    void greedy_takes_the_first_maximum_and_refuses_nan() {
        assertEquals(1, new Sampler(0, 1, 1).next(new float[]{0, 3, 3, -1}));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> Sampler.argmax(new float[]{0, Float.NaN, 1}));
        assertTrue(e.getMessage().contains("logit 1 is NaN"));
        assertThrows(IllegalArgumentException.class, () -> new Sampler(-0.1, 1, 1));
        assertThrows(IllegalArgumentException.class, () -> new Sampler(1, 0, 1));
        assertThrows(IllegalArgumentException.class, () -> new Sampler(1, 1.5, 1));
    }
}
