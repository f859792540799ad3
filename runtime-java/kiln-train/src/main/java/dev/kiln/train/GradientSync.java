package dev.kiln.train;

/**
 * What data-parallel training needs from the network, one rank's view; every method is collective.
 * The flat vectors have the padded length {@code size() * shardLength()}; rank r owns
 * {@code [r * shardLength(), (r + 1) * shardLength())}.
 *
 * <p>A step is {@link #reduceScatterMean} (gradients to their shard owner, combined by the {@link dev.kiln.collective.lossy.LossPolicy}),
 * the owner's optimiser step on its shard, then {@link #broadcastShards} (each owner's fresh shard to everyone;
 * a receiver that misses a packet keeps its stale values, so replicas may drift but stay bounded).
 */
public interface GradientSync extends AutoCloseable {
    int rank();

    int size();

    int shardLength();

    /** Writes into {@code shardGrad} ({@code shardLength()} floats) this rank's shard of the mean of every rank's {@code grad}. */
    void reduceScatterMean(float[] grad, float[] shardGrad);

    /** Sends this rank's shard of {@code params} to every rank and receives theirs into {@code params} where it arrives. */
    void broadcastShards(float[] params);

    /** Exact mean over ranks of a scalar (metrics travel reliably). */
    double meanOverRanks(double value);

    /**
     * Relative replica drift over the first {@code length} parameters: {@code sqrt(mean_r ||x_r - x̄||²) / ||x̄||},
     * computed exactly (a metric, not part of training). Every rank gets the value.
     */
    double replicaDrift(float[] params, int length);

    /**
     * The owners' model: every rank's own shard of {@code params}, gathered exactly (a metric, like the drift). It is
     * what the optimisers trained; a replica differs from it where broadcast packets were lost.
     */
    float[] ownersModel(float[] params);

    /** Fraction of the lossy-phase packets sent so far that arrived (1 for a reliable transport). */
    double deliveredFraction();

    @Override
    default void close() {}
}
