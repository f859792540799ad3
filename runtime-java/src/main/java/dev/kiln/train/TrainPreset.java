package dev.kiln.train;

import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * Model size and schedule of a training run. The vocabulary comes from the corpus.
 *
 * @param batch         sequences per worker per step (the global batch is {@code workers * batch})
 * @param warmup        linear warm-up steps; then cosine decay to 10 % of {@code lr} at {@code steps}
 * @param evalEvery     steps between validation points on the curve
 * @param evalWindows   validation windows per curve point (spread over the workers)
 * @param finalWindows  validation windows for the final perplexity
 * @param clip          per-worker gradient-norm clip (before the reduce-scatter)
 */
public record TrainPreset(String name, int context, int dim, int layers, int heads, int batch, int steps, int warmup,
                          double lr, double weightDecay, double clip, int evalEvery, int evalWindows, int finalWindows) {
    public TrainPreset {
        positive("context", context);
        positive("dim", dim);
        positive("layers", layers);
        positive("heads", heads);
        positive("batch", batch);
        positive("steps", steps);
        positive("evalEvery", evalEvery);
        positive("evalWindows", evalWindows);
        positive("finalWindows", finalWindows);
        if (warmup < 0 || warmup >= steps) throw new IllegalArgumentException("warmup = " + warmup + "; must be in [0, steps = " + steps + ")");
        if (!(lr > 0)) throw new IllegalArgumentException("lr = " + lr + "; must be > 0");
        if (!(clip > 0)) throw new IllegalArgumentException("clip = " + clip + "; must be > 0");
    }

    /** A few seconds: the tests and the demo's smoke runs. */
    public static final TrainPreset TINY = new TrainPreset("tiny", 32, 32, 1, 2, 8, 60, 6, 3e-3, 0.1, 1.0, 20, 32, 64);
    /** The demo section and the 15-minute experiment on a 2-core machine. */
    public static final TrainPreset DEMO = new TrainPreset("demo", 64, 64, 2, 4, 8, 250, 20, 3e-3, 0.1, 1.0, 25, 64, 256);
    /** A longer run for a machine with time to spare. */
    public static final TrainPreset SMALL = new TrainPreset("small", 128, 128, 4, 4, 16, 2000, 100, 1e-3, 0.1, 1.0, 100, 128, 512);

    public static TrainPreset named(String name) {
        for (TrainPreset p : new TrainPreset[]{TINY, DEMO, SMALL}) if (p.name.equals(name)) return p;
        throw new IllegalArgumentException("preset = '" + name + "'; allowed: "
                + Arrays.stream(new TrainPreset[]{TINY, DEMO, SMALL}).map(TrainPreset::name).collect(Collectors.joining(", ")));
    }

    public TrainPreset withSteps(int newSteps) {
        int w = Math.min(warmup, Math.max(0, newSteps / 10));
        return new TrainPreset(name, context, dim, layers, heads, batch, newSteps, w, lr, weightDecay, clip,
                Math.min(evalEvery, newSteps), evalWindows, finalWindows);
    }

    private static void positive(String field, int value) {
        if (value <= 0) throw new IllegalArgumentException(field + " = " + value + "; must be > 0");
    }

    public GptConfig model(int vocab) { return new GptConfig(vocab, context, dim, layers, heads); }

    /** Learning rate at {@code step}: linear warm-up, then cosine to {@code lr / 10}. */
    public double learningRate(int step) {
        if (step < warmup) return lr * (step + 1) / warmup;
        double progress = (step - warmup) / (double) Math.max(1, steps - warmup);
        return lr * (0.1 + 0.9 * 0.5 * (1 + Math.cos(Math.PI * progress)));
    }
}
