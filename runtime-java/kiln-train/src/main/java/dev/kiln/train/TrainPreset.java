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
 * @param optimizer     the owner-side optimiser; {@code lr} and {@code weightDecay} are its peak learning rate and decay
 * @param sharding      how the training text is divided among the workers
 */
public record TrainPreset(String name, int context, int dim, int layers, int heads, int batch, int steps, int warmup,
                          double lr, double weightDecay, double clip, int evalEvery, int evalWindows, int finalWindows,
                          Optimizer.Kind optimizer, DataSharding sharding) {
    /** SGD's default peak learning rate (momentum 0.9, no weight decay), chosen on lossless demo runs: see docs/train.md. */
    public static final double SGD_LR = 0.3;

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
        if (!(weightDecay >= 0)) throw new IllegalArgumentException("weightDecay = " + weightDecay + "; must be >= 0");
        if (optimizer == null) throw new IllegalArgumentException("optimizer = null");
        if (sharding == null) throw new IllegalArgumentException("sharding = null");
    }

    /** A few seconds: the tests and the demo's smoke runs. */
    public static final TrainPreset TINY = new TrainPreset("tiny", 32, 32, 1, 2, 8, 60, 6, 3e-3, 0.1, 1.0, 20, 32, 64, Optimizer.Kind.ADAMW, DataSharding.INTERLEAVED);
    /** The demo section and the 15-minute experiment on a 2-core machine. */
    public static final TrainPreset DEMO = new TrainPreset("demo", 64, 64, 2, 4, 8, 250, 20, 3e-3, 0.1, 1.0, 25, 64, 256, Optimizer.Kind.ADAMW, DataSharding.INTERLEAVED);
    /**
     * The model {@code kiln train --preset demo --save} writes: the demo's shape, lossless, trained 20 times as long as
     * the comparison runs (5000 steps of 32 windows of 64 characters, about 10 M characters: 2.6 passes over the
     * training text) at twice their peak learning rate (6e-3, measured better than 3e-3 at 1200 steps: validation
     * perplexity 4.99 vs 5.28); 250 steps leave a letter-soup model (perplexity ≈ 10). {@code batch} is per worker
     * for 4 workers; {@link #withWorkers} keeps the global batch on fewer. See docs/train.md.
     */
    public static final TrainPreset DEMO_SAVED = new TrainPreset("demo-saved", 64, 64, 2, 4, 8, 5000, 100, 6e-3, 0.1, 1.0, 500, 64, 256, Optimizer.Kind.ADAMW, DataSharding.INTERLEAVED);
    /** A longer run for a machine with time to spare. */
    public static final TrainPreset SMALL = new TrainPreset("small", 128, 128, 4, 4, 16, 2000, 100, 1e-3, 0.1, 1.0, 100, 128, 512, Optimizer.Kind.ADAMW, DataSharding.INTERLEAVED);

    /**
     * A named preset with the command line's overrides (null: keep the preset's). Switching to SGD without an
     * explicit learning rate / decay takes {@link #SGD_LR} and no weight decay. {@code kiln train} and its workers
     * both build their preset here, so every process of a run trains the same configuration.
     */
    public static TrainPreset resolve(String name, Integer steps, Integer batch, Optimizer.Kind optimizer, Double lr, Double weightDecay,
                                      DataSharding sharding) {
        TrainPreset p = named(name);
        if (sharding != null && sharding != p.sharding()) p = p.withSharding(sharding);
        if (steps != null && steps != p.steps()) p = p.withSteps(steps);
        if (batch != null && batch != p.batch()) p = p.withBatch(batch);
        Optimizer.Kind kind = optimizer == null ? p.optimizer() : optimizer;
        boolean switched = kind != p.optimizer();
        double newLr = lr != null ? lr : switched && kind == Optimizer.Kind.SGD ? SGD_LR : p.lr();
        double newDecay = weightDecay != null ? weightDecay : switched && kind == Optimizer.Kind.SGD ? 0.0 : p.weightDecay();
        if (kind != p.optimizer() || newLr != p.lr() || newDecay != p.weightDecay()) p = p.withOptimizer(kind, newLr, newDecay);
        return p;
    }

    public static TrainPreset named(String name) {
        for (TrainPreset p : new TrainPreset[]{TINY, DEMO, SMALL}) if (p.name.equals(name)) return p;
        throw new IllegalArgumentException("preset = '" + name + "'; allowed: "
                + Arrays.stream(new TrainPreset[]{TINY, DEMO, SMALL}).map(TrainPreset::name).collect(Collectors.joining(", ")));
    }

    /**
     * The run whose model {@code --save} writes: {@link #DEMO_SAVED} for the demo (its comparison runs are too short
     * for a model that writes words), the preset itself otherwise (its lossless run is saved).
     */
    public TrainPreset savedModelRun() { return name.equals(DEMO.name) ? DEMO_SAVED : this; }

    /**
     * The same global batch on {@code newWorkers} instead of {@code oldWorkers} (so the same schedule trains on the
     * same number of windows per step); null where the global batch does not divide evenly.
     */
    public TrainPreset withWorkers(int oldWorkers, int newWorkers) {
        long global = (long) oldWorkers * batch;
        if (newWorkers < 1 || global % newWorkers != 0) return null;
        return withBatch((int) (global / newWorkers));
    }

    public TrainPreset withSteps(int newSteps) {
        int w = Math.min(warmup, Math.max(0, newSteps / 10));
        return new TrainPreset(name, context, dim, layers, heads, batch, newSteps, w, lr, weightDecay, clip,
                Math.min(evalEvery, newSteps), evalWindows, finalWindows, optimizer, sharding);
    }

    /** Sequences per worker per step (more tokens per step, same model and schedule). */
    public TrainPreset withBatch(int newBatch) {
        return new TrainPreset(name, context, dim, layers, heads, newBatch, steps, warmup, lr, weightDecay, clip,
                evalEvery, evalWindows, finalWindows, optimizer, sharding);
    }

    /** The same run with the training text divided among the workers another way. */
    public TrainPreset withSharding(DataSharding newSharding) {
        return new TrainPreset(name, context, dim, layers, heads, batch, steps, warmup, lr, weightDecay, clip,
                evalEvery, evalWindows, finalWindows, optimizer, newSharding);
    }

    /** Another optimiser with its peak learning rate and decoupled weight decay; the schedule's shape is kept. */
    public TrainPreset withOptimizer(Optimizer.Kind kind, double newLr, double newWeightDecay) {
        return new TrainPreset(name, context, dim, layers, heads, batch, steps, warmup, newLr, newWeightDecay, clip,
                evalEvery, evalWindows, finalWindows, kind, sharding);
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
