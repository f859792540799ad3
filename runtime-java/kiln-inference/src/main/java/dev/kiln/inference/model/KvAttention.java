package dev.kiln.inference.model;

/**
 * The attention of a decoder step for one sequence: appends this position's K and V of a layer to its cache and
 * attends the query over every cached position. Implementations run Kiln's split-KV decode kernel over a paged
 * KV cache, on one rank ({@link PagedKvAttention}) or sharded over Helix KVP × TPA ranks ({@link HelixKvAttention}).
 */
public interface KvAttention extends AutoCloseable {
    /**
     * @param q   {@code [qHeads][kDim]} of this position (RoPE applied)
     * @param k   {@code [kvHeads][kDim]} of this position
     * @param v   {@code [kvHeads][vDim]}
     * @param out {@code [qHeads][vDim]}
     * @param position this position, which must be the number of positions cached so far in {@code layer}
     */
    void attend(int layer, float[] q, float[] k, float[] v, int position, float[] out);

    /** Forgets every cached position. */
    void reset();

    /** A short description for reports: "1 rank", "Helix KVP=4 TPA=2". */
    String describe();

    @Override
    void close();
}
