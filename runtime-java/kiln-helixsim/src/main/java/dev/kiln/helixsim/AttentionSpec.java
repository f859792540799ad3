package dev.kiln.helixsim;

import static dev.kiln.helixsim.Checks.nonNegative;
import static dev.kiln.helixsim.Checks.positive;

/**
 * The attention block of one decoder layer, with the element counts the cost model needs.
 *
 * <p>GQA uses {@code queryHeads}, {@code kvHeads} and {@code headSize}. MLA (DeepSeek-V3/R1) also uses
 * {@code qLoraRank} (0 = uncompressed queries), {@code kvLoraRank}, {@code ropeHeadDim} and
 * {@code vHeadDim}; {@code headSize} is then the query/key head size (nope + rope) and {@code kvHeads} is 1:
 * every head reads the same latent, so any attention TP width &gt; 1 duplicates the whole cache.
 * MLA decode is costed in the weight-absorbed form (scores against the latent directly, as FlashMLA does).
 */
public record AttentionSpec(AttentionKind kind, int queryHeads, int kvHeads, int headSize,
                            int qLoraRank, int kvLoraRank, int ropeHeadDim, int vHeadDim) {

    /** Bytes of softmax statistics sent with each (token, head) partial output: two fp32 (max, sum). */
    public static final double STATS_BYTES_PER_HEAD = 8;

    public AttentionSpec {
        if (kind == null) throw new IllegalArgumentException("attention.kind is missing: allowed are gqa, mla");
        positive("attention.queryHeads", queryHeads);
        positive("attention.kvHeads", kvHeads);
        positive("attention.headSize", headSize);
        nonNegative("attention.qLoraRank", qLoraRank);
        if (kind == AttentionKind.GQA && queryHeads % kvHeads != 0) {
            throw new IllegalArgumentException("attention.kvHeads = " + kvHeads + ": must divide queryHeads = " + queryHeads);
        }
        if (kind == AttentionKind.MLA) {
            if (kvHeads != 1) throw new IllegalArgumentException("attention.kvHeads = " + kvHeads + ": MLA shares one latent, must be 1");
            positive("attention.kvLoraRank", kvLoraRank);
            positive("attention.ropeHeadDim", ropeHeadDim);
            positive("attention.vHeadDim", vHeadDim);
            if (ropeHeadDim >= headSize) {
                throw new IllegalArgumentException("attention.ropeHeadDim = " + ropeHeadDim + ": must be < headSize = " + headSize);
            }
        }
    }

    /** Query heads on one GPU when heads are split {@code tpa} ways (fractional when tpa &gt; Q). */
    public double queryHeadsPerGpu(int tpa) { return queryHeads / (double) tpa; }

    /** KV heads one GPU must hold at attention TP width {@code tpa}: ⌈K/TPA⌉ (duplicated once TPA &gt; K). */
    public int kvHeadsPerGpu(int tpa) { return (kvHeads + tpa - 1) / tpa; }

    /** KV-cache elements per cached token per layer that one GPU holds and reads at width {@code tpa}. */
    public double kvElementsPerToken(int tpa) {
        return switch (kind) {
            case GQA -> 2.0 * kvHeadsPerGpu(tpa) * headSize;
            case MLA -> kvLoraRank + ropeHeadDim;
        };
    }

    /** Query/key/value projection weights one GPU reads at width {@code tpa}, for hidden size {@code h}. */
    public double qkvWeightElements(int h, int tpa) {
        double heads = queryHeadsPerGpu(tpa);
        return switch (kind) {
            case GQA -> (double) h * heads * headSize + 2.0 * h * kvHeadsPerGpu(tpa) * headSize;
            case MLA -> {
                // The down-projections (q_a, kv_a) are shared by all heads, so every attention GPU holds them whole.
                double shared = (double) h * (kvLoraRank + ropeHeadDim) + (qLoraRank > 0 ? (double) h * qLoraRank : 0);
                double qUp = (qLoraRank > 0 ? qLoraRank : h) * heads * headSize;
                double kvUp = (double) kvLoraRank * heads * (headSize - ropeHeadDim + vHeadDim);
                yield shared + qUp + kvUp;
            }
        };
    }

    /** Elements of one head's attention output (the width that W_O consumes). */
    public int valueDim() { return kind == AttentionKind.MLA ? vHeadDim : headSize; }

    /** Output projection W_O ∈ R^{(Q·valueDim)×H} split {@code shards} ways. */
    public double outputWeightElements(int h, double shards) {
        return (double) queryHeads * valueDim() * h / shards;
    }

    /** Attention FLOPs per cached position per token on one GPU at width {@code tpa} (QKᵀ and PV). */
    public double flopsPerPosition(int tpa) {
        double perHead = switch (kind) {
            case GQA -> 4.0 * headSize;
            // absorbed MLA: scores over the latent + rope key, then the value sum over the latent
            case MLA -> 2.0 * (kvLoraRank + ropeHeadDim) + 2.0 * kvLoraRank;
        };
        return queryHeadsPerGpu(tpa) * perHead;
    }

    /**
     * Elements per (token, head) of the partial output a KVP rank sends for the exact combine. MLA sends the
     * latent (kvLoraRank wide) before W_UV, as TensorRT-LLM's Helix does; GQA sends the head output.
     */
    public int partialOutputElementsPerHead() { return kind == AttentionKind.MLA ? kvLoraRank : headSize; }
}
