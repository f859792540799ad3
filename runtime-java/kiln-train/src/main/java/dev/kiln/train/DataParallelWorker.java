package dev.kiln.train;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.IntConsumer;

/**
 * One rank of data-parallel training: every step, forward and backward on its own data shard, clip, reduce-scatter
 * the gradient to the shard owners, the optimiser (AdamW or SGD) on the shard this rank owns, broadcast the fresh shard. Replicas start
 * identical (same initialisation seed) and agree exactly unless packets are lost.
 */
public final class DataParallelWorker {
    private final CharCorpus corpus;
    private final TrainPreset preset;
    private final long seed;

    public DataParallelWorker(CharCorpus corpus, TrainPreset preset, long seed) {
        this.corpus = corpus;
        this.preset = preset;
        this.seed = seed;
    }

    /** Floats per rank's shard: the flat vectors are padded to {@code workers * shardLength} so shards are equal. */
    public static int shardLength(ParameterLayout layout, int workers) {
        return (layout.size() + workers - 1) / workers;
    }

    public ParameterLayout layout() { return new ParameterLayout(preset.model(corpus.vocabSize())); }

    /**
     * Trains to the end of the preset's schedule and returns the curve (the same on every rank: metrics are
     * exact means over ranks). {@code progress} receives each finished step on rank 0.
     */
    public TrainCurve run(GradientSync sync, float[] paramsOut, IntConsumer progress) {
        long start = System.nanoTime();
        ParameterLayout layout = layout();
        Gpt gpt = new Gpt(layout);
        int shard = sync.shardLength(), padded = shard * sync.size();
        if (shard != shardLength(layout, sync.size())) {
            throw new IllegalArgumentException("sync.shardLength() = " + shard + "; this model needs " + shardLength(layout, sync.size()));
        }
        float[] params = new float[padded], grad = new float[padded], shardGrad = new float[shard];
        layout.initialise(params, seed);
        int from = sync.rank() * shard;
        Optimizer optimizer = Optimizer.of(preset, from, from + shard, layout.decayMask(padded));
        int context = preset.context(), batch = preset.batch();
        int[] tokens = new int[batch * context], targets = new int[tokens.length];
        Gpt.Workspace ws = gpt.workspace(batch);
        SplittableRandom data = new SplittableRandom(seed * 1_000_003L + sync.rank());
        List<TrainCurve.Point> points = new ArrayList<>();
        double trainSum = 0;
        int trainCount = 0;
        double initial = validationLoss(gpt, params, sync, preset.evalWindows(), ws, tokens, targets);
        points.add(new TrainCurve.Point(0, null, initial, sync.replicaDrift(params, layout.size()), initial, Double.NaN));
        double drift = 0; // after the loop: the final parameters' drift (the last step always evaluates)
        GradientNoiseScale noise = new GradientNoiseScale(batch, sync.size());
        for (int step = 0; step < preset.steps(); step++) {
            corpus.trainBatch(data, preset.sharding(), sync.rank(), sync.size(), batch, context, tokens, targets);
            trainSum += gpt.lossAndGradient(params, grad, tokens, targets, ws);
            trainCount++;
            double norm = Math.sqrt(TrainKernels.sumOfSquares(grad, 0, layout.size()));
            if (norm > preset.clip()) TrainKernels.scale(grad, 0, layout.size(), (float) (preset.clip() / norm));
            sync.reduceScatterMean(grad, shardGrad);
            double sent = Math.min(norm, preset.clip());
            noise.add(sent * sent, TrainKernels.sumOfSquares(shardGrad, 0, shard));
            optimizer.step(params, shardGrad, preset.learningRate(step));
            sync.broadcastShards(params);
            boolean last = step == preset.steps() - 1;
            if ((step + 1) % preset.evalEvery() == 0 || last) {
                double train = sync.meanOverRanks(trainSum / trainCount);
                trainSum = 0;
                trainCount = 0;
                drift = sync.replicaDrift(params, layout.size());
                double val = validationLoss(gpt, params, sync, preset.evalWindows(), ws, tokens, targets);
                double owners = ownersLoss(gpt, params, drift, val, sync, preset.evalWindows(), ws, tokens, targets);
                points.add(new TrainCurve.Point(step + 1, train, val, drift, owners, noise.takeWindow(sync)));
            }
            if (sync.rank() == 0 && progress != null) progress.accept(step + 1);
        }
        double finalLoss = validationLoss(gpt, params, sync, preset.finalWindows(), ws, tokens, targets);
        double finalOwners = ownersLoss(gpt, params, drift, finalLoss, sync, preset.finalWindows(), ws, tokens, targets);
        double delivered = sync.meanOverRanks(sync.deliveredFraction());
        if (paramsOut != null) System.arraycopy(params, 0, paramsOut, 0, Math.min(paramsOut.length, padded));
        double wall = sync.meanOverRanks((System.nanoTime() - start) / 1e9);
        return new TrainCurve(List.copyOf(points), finalLoss, finalOwners, delivered, wall);
    }

    /**
     * The owners' model's validation loss. Drift exactly 0 means every replica equals the owners' model bit for bit
     * (lossless and reliable runs, loss in the reduce-scatter only), so the replica's {@code loss} is reused instead
     * of a second pass; drift is the same on every rank, so all ranks skip the gather together.
     */
    private double ownersLoss(Gpt gpt, float[] params, double drift, double loss, GradientSync sync, int windows,
                              Gpt.Workspace ws, int[] tokens, int[] targets) {
        if (drift == 0) return loss;
        return validationLoss(gpt, sync.ownersModel(params), sync, windows, ws, tokens, targets);
    }

    /**
     * Mean loss over {@code windows} fixed validation windows; rank r evaluates windows r, r + W, ... on its own
     * replica, batch by batch, so evaluation costs each worker 1/W of the set.
     */
    private double validationLoss(Gpt gpt, float[] params, GradientSync sync, int windows, Gpt.Workspace ws, int[] tokens, int[] targets) {
        int context = preset.context(), batch = preset.batch();
        double sum = 0;
        int count = 0;
        int slot = 0;
        for (int i = sync.rank(); i < windows; i += sync.size()) {
            corpus.validationWindow(i, windows, context, tokens, targets, slot++);
            if (slot == batch) {
                sum += gpt.loss(params, tokens, targets, ws) * batch;
                count += batch;
                slot = 0;
            }
        }
        if (slot > 0) {
            // The last, partial batch gets a workspace of its own size.
            Gpt.Workspace small = gpt.workspace(slot);
            int[] t2 = java.util.Arrays.copyOf(tokens, slot * context), y2 = java.util.Arrays.copyOf(targets, slot * context);
            sum += gpt.loss(params, t2, y2, small) * slot;
            count += slot;
        }
        double total = sync.meanOverRanks(sum), n = sync.meanOverRanks(count);
        return total / n;
    }
}
