package dev.kiln.attention;

/**
 * Heads and dims of one decode-attention call. {@code latentV} is MLA's absorbed form: one latent KV
 * head whose first {@code vDim} elements are also the value, so V is read from the K storage.
 *
 * @param qHeads  query heads; a multiple of {@code kvHeads} (GQA), equal (MHA) or with kvHeads = 1 (MQA, MLA)
 * @param kvHeads KV heads
 * @param kDim    query/key dim (MLA: 576 = 512 latent + 64 rope)
 * @param vDim    value/output dim (MLA: 512)
 */
public record DecodeShape(int qHeads, int kvHeads, int kDim, int vDim, boolean latentV) {
    public DecodeShape {
        if (kvHeads < 1) throw new IllegalArgumentException("kvHeads must be >= 1, was " + kvHeads);
        if (qHeads < 1 || qHeads % kvHeads != 0) {
            throw new IllegalArgumentException("qHeads must be a positive multiple of kvHeads=" + kvHeads + ", was " + qHeads);
        }
        if (kDim < 1) throw new IllegalArgumentException("kDim must be >= 1, was " + kDim);
        if (vDim < 1) throw new IllegalArgumentException("vDim must be >= 1, was " + vDim);
        if (latentV && vDim > kDim) throw new IllegalArgumentException("latent V needs vDim <= kDim, was vDim=" + vDim + " kDim=" + kDim);
    }

    /** Llama-3-8B attention: 32 query heads, 8 KV heads, head dim 128. */
    public static DecodeShape gqa() { return new DecodeShape(32, 8, 128, 128, false); }

    /** Llama-3.2-1B attention: 32 query heads, 8 KV heads, head dim 64. */
    public static DecodeShape gqa64() { return new DecodeShape(32, 8, 64, 64, false); }

    public static DecodeShape mqa() { return new DecodeShape(32, 1, 128, 128, false); }

    public static DecodeShape mha() { return new DecodeShape(32, 32, 128, 128, false); }

    /** DeepSeek MLA in absorbed decode form: 128 query heads over one 576-wide latent, V = its first 512. */
    public static DecodeShape mla() { return new DecodeShape(128, 1, 576, 512, true); }

    public static DecodeShape named(String name) {
        return switch (name) {
            case "gqa" -> gqa();
            case "gqa64" -> gqa64();
            case "mqa" -> mqa();
            case "mha" -> mha();
            case "mla" -> mla();
            default -> throw new IllegalArgumentException("shape must be gqa, gqa64, mqa, mha or mla, was '" + name + "'");
        };
    }

    public int groupSize() { return qHeads / kvHeads; }

    /** Elements one token adds to the cache of one sequence (K, plus V unless it is latent). */
    public long elementsPerToken() { return (long) kvHeads * (kDim + (latentV ? 0 : vDim)); }

    /** The default softmax scale, 1/√kDim. */
    public float defaultScale() { return (float) (1.0 / Math.sqrt(kDim)); }

    /** The same shape restricted to {@code kvHeads} KV heads (and their query heads): one TPA slice. */
    public DecodeShape slice(int kvHeadsInSlice) {
        return new DecodeShape(kvHeadsInSlice * groupSize(), kvHeadsInSlice, kDim, vDim, latentV);
    }
}
