package dev.kiln.inference.model;

import dev.kiln.attention.helix.HelixMapping;

import java.util.function.IntConsumer;

/**
 * Where a decoder step runs and how its attention is sharded: on one rank ({@link PagedKvAttention}), on Helix
 * KVP × TPA emulated ranks ({@link HelixKvAttention}), or as one Helix rank of a job of processes
 * ({@link ProcessKvAttention}). A model runs its layers inside {@link #parallel}, once per rank
 * of {@link #mapping()}: each rank projects the query and KV heads of its TPA slice, {@link #attend}s (appending its
 * KV where it owns the position, Kiln's split-KV decode kernel over its paged KV shard, the all-to-all of (O, LSE)
 * and the LSE merge), and receives the merged output of the heads it holds after the exchange
 * ({@link HelixMapping#mergedHeadCount}: a TP = N layout); its slices of W_O and of the FFN then give partial sums
 * that {@link #allReduceSum} adds over the N ranks. One rank is the N = 1 case: every slice is the whole tensor.
 */
public interface KvAttention extends AutoCloseable {
    /** Who owns which heads, positions and FFN columns (1 × 1 on one rank). */
    HelixMapping mapping();

    /**
     * Whether this process runs {@code rank}'s body (every rank when the ranks are threads of this process; only its
     * own when each rank is a process): the model builds weight shards for these ranks only.
     */
    default boolean holdsRank(int rank) { return true; }

    /** Runs {@code rankBody} once per rank this process holds (one thread per rank with several; a failing rank aborts the others). */
    void parallel(IntConsumer rankBody);

    /** One layer of a decoder on one rank: updates that rank's residual stream {@code x} in place. */
    @FunctionalInterface
    interface LayerPass {
        void apply(int rank, int layer, float[] x);
    }

    /**
     * A decoder step's {@code layers} layers on every rank (inside {@link #parallel}), each rank on its own copy of
     * the residual stream (the all-reduces keep the copies equal); returns rank 0's (a process holding one rank of a
     * job returns its own). {@code x} is left as it was.
     */
    default float[] acrossRanks(float[] x, int layers, LayerPass layer) {
        float[] result = new float[x.length];
        parallel(r -> {
            float[] xr = x.clone();
            for (int l = 0; l < layers; l++) layer.apply(r, l, xr);
            if (r == 0) System.arraycopy(xr, 0, result, 0, x.length);
        });
        return result;
    }

    /**
     * One layer's attention on {@code rank}, called from that rank's body.
     *
     * @param q   {@code [qHeadsPerRank][kDim]}: the rank's TPA query heads at this position (RoPE applied)
     * @param k   {@code [kvHeadsPerRank][kDim]}: its TPA KV heads
     * @param v   {@code [kvHeadsPerRank][vDim]}
     * @param out {@code [mergedHeadCount(rank)][vDim]}: query heads {@code firstMergedHead(rank)...}, merged over all positions
     * @param position this position, which must be the number of positions cached so far in {@code layer}
     */
    void attend(int rank, int layer, float[] q, float[] k, float[] v, int position, float[] out);

    /** Adds {@code y} over the ranks, in place on each (the same bits on every rank); nothing on one rank. */
    void allReduceSum(int rank, float[] y);

    /** Forgets every cached position. */
    void reset();

    /** A short description for reports: "1 rank", "Helix KVP=4 TPA=2". */
    String describe();

    @Override
    void close();
}
