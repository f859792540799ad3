package dev.kiln.inference.model;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Picks the next token from logits: greedy (the first maximum) at temperature 0, otherwise a draw from
 * {@code softmax(logits / T)} restricted to the smallest set of most likely tokens whose mass reaches {@code topP}.
 * Seeded, so a run repeats.
 */
public final class Sampler {
    private final double temperature, topP;
    private final SplittableRandom rnd;

    public Sampler(double temperature, double topP, long seed) {
        if (!(temperature >= 0)) throw new IllegalArgumentException("temperature = " + temperature + "; must be >= 0 (0 = greedy)");
        if (!(topP > 0 && topP <= 1)) throw new IllegalArgumentException("top-p = " + topP + "; must be in (0, 1]");
        this.temperature = temperature;
        this.topP = topP;
        this.rnd = new SplittableRandom(seed);
    }

    /** The first maximum; NaN logits are refused, since no token can be chosen from them. */
    public static int argmax(float[] logits) {
        int best = 0;
        for (int i = 0; i < logits.length; i++) {
            if (Float.isNaN(logits[i])) throw new IllegalStateException("logit " + i + " is NaN");
            if (logits[i] > logits[best]) best = i;
        }
        return best;
    }

    public int next(float[] logits) {
        if (temperature == 0) return argmax(logits);
        int n = logits.length;
        double max = logits[argmax(logits)];
        double[] p = new double[n];
        double sum = 0;
        for (int i = 0; i < n; i++) sum += p[i] = Math.exp((logits[i] - max) / temperature);
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) order[i] = i;
        Arrays.sort(order, (a, b) -> Double.compare(p[b], p[a]));
        double kept = 0;
        int count = 0;
        while (count < n && kept < topP * sum) kept += p[order[count++]];
        double u = rnd.nextDouble() * kept;
        for (int i = 0; i < count; i++) {
            u -= p[order[i]];
            if (u < 0) return order[i];
        }
        return order[count - 1];
    }
}
