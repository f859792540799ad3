package dev.kiln.train;

import dev.kiln.collective.Communicator;

import java.lang.foreign.MemorySegment;

/**
 * {@link GradientSync} on a reliable {@link Communicator}: exact reduce-scatter (rank-ordered fp32 sum divided by
 * W, the same arithmetic as the lossy path with nothing lost) and an all-gather of the owners' shards.
 */
public final class ReliableGradientSync implements GradientSync {
    private final Communicator comm;
    private final MetricsChannel metrics;
    private final int shardLength;
    private final float[] shard;

    /** @param metrics reliable channel for the metrics (may ride on {@code comm}; closed by its owner) */
    public ReliableGradientSync(Communicator comm, MetricsChannel metrics, int shardLength) {
        this.comm = comm;
        this.metrics = metrics;
        this.shardLength = shardLength;
        this.shard = new float[shardLength];
    }

    @Override public int rank() { return comm.rank(); }

    @Override public int size() { return comm.size(); }

    @Override public int shardLength() { return shardLength; }

    @Override
    public void reduceScatterMean(float[] grad, float[] shardGrad) {
        comm.reduceScatterSum(MemorySegment.ofArray(grad), MemorySegment.ofArray(shardGrad).asSlice(0, (long) shardLength * Float.BYTES));
        int w = size();
        for (int i = 0; i < shardLength; i++) shardGrad[i] = shardGrad[i] / w;
    }

    @Override
    public void broadcastShards(float[] params) {
        System.arraycopy(params, rank() * shardLength, shard, 0, shardLength);
        comm.allGather(MemorySegment.ofArray(shard), MemorySegment.ofArray(params).asSlice(0, (long) size() * shardLength * Float.BYTES));
    }

    @Override public double meanOverRanks(double value) { return metrics.mean(value); }

    @Override public double replicaDrift(float[] params, int length) { return metrics.relativeDrift(params, length); }

    @Override public float[] ownersModel(float[] params) { return metrics.ownersModel(params, rank(), shardLength); }

    @Override public double deliveredFraction() { return 1.0; }

    @Override public void close() { comm.close(); }
}
