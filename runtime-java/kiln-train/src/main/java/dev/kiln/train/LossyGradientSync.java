package dev.kiln.train;

import dev.kiln.collective.lossy.ShardGradient;
import dev.kiln.collective.lossy.ShardedParameterSync;

/**
 * {@link GradientSync} on the lossy collectives: count-rescaled (or zero-filled, per the
 * {@link dev.kiln.collective.lossy.LossPolicy}) reduce-scatter of gradients and parameter broadcast with stale
 * retention, over datagrams ({@link ShardedParameterSync}); metrics over a reliable {@link MetricsChannel}.
 */
public final class LossyGradientSync implements GradientSync {
    private final ShardedParameterSync lossy;
    private final MetricsChannel metrics;
    private final int shardLength;
    private int step;

    /**
     * @param metrics     reliable channel for the metrics (closed by its owner, not here)
     * @param shardLength floats per rank; vectors are {@code size * shardLength} long, so the shards are equal
     */
    public LossyGradientSync(ShardedParameterSync lossy, MetricsChannel metrics, int shardLength) {
        this.lossy = lossy;
        this.metrics = metrics;
        this.shardLength = shardLength;
    }

    @Override public int rank() { return lossy.rank(); }

    @Override public int size() { return lossy.size(); }

    @Override public int shardLength() { return shardLength; }

    @Override
    public void reduceScatterMean(float[] grad, float[] shardGrad) {
        ShardGradient g = lossy.reduceScatterGradients(step, grad);
        if (g.length() != shardLength || g.offset() != (long) rank() * shardLength) {
            throw new IllegalStateException("shard of rank " + rank() + " is [" + g.offset() + ", +" + g.length()
                    + "); expected [" + (long) rank() * shardLength + ", +" + shardLength + ")");
        }
        System.arraycopy(g.mean(), 0, shardGrad, 0, shardLength);
    }

    @Override
    public void broadcastShards(float[] params) {
        lossy.broadcastParameters(step, params);
        step++;
    }

    @Override public double meanOverRanks(double value) { return metrics.mean(value); }

    @Override public double replicaDrift(float[] params, int length) { return metrics.relativeDrift(params, length); }

    @Override public float[] ownersModel(float[] params) { return metrics.ownersModel(params, rank(), shardLength); }

    @Override public double deliveredFraction() { return lossy.profile().deliveredFraction(); }

    @Override
    public void close() {
        lossy.close();
    }
}
