package dev.kiln.attention.model;

import dev.kiln.attention.DecodeShape;

/**
 * The shape of a decoder with random weights: Llama-style (GQA, RoPE on whole heads) or MLA-style
 * (absorbed decode: one latent KV head of {@code kDim = latent + rope}, RoPE on the last {@code ropeDims},
 * V = the first {@code vDim} latent dims). Layer counts and vocabularies of the presets are cut so that
 * a default run fits a 24 GiB machine; {@link #withLayers} changes the depth. With {@code experts > 0} the FFN
 * is a mixture of experts: a softmax router picks {@code expertsPerToken} of them per token, each a SwiGLU of
 * intermediate width {@code ffn}.
 */
public record ModelShape(String name, int hidden, int qHeads, int kvHeads, int kDim, int vDim, boolean latentV,
                         int ropeOffset, int ropeDims, int ffn, int layers, int vocab, double ropeTheta,
                         int experts, int expertsPerToken) {
    public ModelShape {
        new DecodeShape(qHeads, kvHeads, kDim, vDim, latentV); // validates heads and dims
        if (hidden < 1 || ffn < 1 || layers < 1 || vocab < 2) {
            throw new IllegalArgumentException("hidden, ffn, layers must be >= 1 and vocab >= 2, were " + hidden + ", " + ffn + ", " + layers + ", " + vocab);
        }
        if (ropeDims % 2 != 0 || ropeOffset < 0 || ropeOffset + ropeDims > kDim) {
            throw new IllegalArgumentException("rope dims [" + ropeOffset + ", " + (ropeOffset + ropeDims) + ") must be an even range inside kDim=" + kDim);
        }
        if (experts < 0 || (experts == 0) != (expertsPerToken == 0) || expertsPerToken > experts) {
            throw new IllegalArgumentException("experts and expertsPerToken must both be 0 (dense) or 1 <= expertsPerToken <= experts, were "
                    + experts + " and " + expertsPerToken);
        }
    }

    public boolean moe() { return experts > 0; }

    /** Llama-3-8B attention and FFN widths (H 4096, 32/8 heads of 128, F 14336); 2 layers and a 32768 vocab by default. */
    public static ModelShape llama8b() {
        return new ModelShape("llama-8b-shape", 4096, 32, 8, 128, 128, false, 0, 128, 14336, 2, 32768, 500000, 0, 0);
    }

    /** DeepSeek MLA attention (128 heads over a 512 + 64 latent) on a narrow residual (H 1024, F 4096), 1 layer. */
    public static ModelShape mla() {
        return new ModelShape("mla-shape", 1024, 128, 1, 576, 512, true, 512, 64, 4096, 1, 32768, 10000, 0, 0);
    }

    /** Small shapes for tests. */
    public static ModelShape testGqa() {
        return new ModelShape("test-gqa", 256, 8, 4, 32, 32, false, 0, 32, 512, 2, 512, 10000, 0, 0);
    }

    public static ModelShape testMla() {
        return new ModelShape("test-mla", 128, 8, 1, 48, 32, true, 32, 16, 256, 2, 512, 10000, 0, 0);
    }

    /**
     * Qwen3-30B-A3B's widths (H 2048, 32/4 heads of 128, 128 experts of F 768, 8 per token); 2 of its 48 layers
     * and a 32768 vocab by default (2.4 GB of fp32 expert weights per layer).
     */
    public static ModelShape qwen3Moe() {
        return new ModelShape("moe-shape", 2048, 32, 4, 128, 128, false, 0, 128, 768, 2, 32768, 1000000, 128, 8);
    }

    /** A small mixture of experts for tests: 8 experts of F 64, 2 per token. */
    public static ModelShape testMoe() {
        return new ModelShape("test-moe", 128, 8, 4, 32, 32, false, 0, 32, 64, 2, 512, 10000, 8, 2);
    }

    public static ModelShape named(String name) {
        return switch (name) {
            case "llama-8b-shape" -> llama8b();
            case "mla-shape" -> mla();
            case "test-gqa" -> testGqa();
            case "test-mla" -> testMla();
            case "moe-shape" -> qwen3Moe();
            case "test-moe" -> testMoe();
            default -> throw new IllegalArgumentException("model must be llama-8b-shape, mla-shape, moe-shape, test-gqa, test-mla or test-moe, was '" + name + "'");
        };
    }

    public ModelShape withLayers(int n) {
        return new ModelShape(name, hidden, qHeads, kvHeads, kDim, vDim, latentV, ropeOffset, ropeDims, ffn, n, vocab, ropeTheta, experts, expertsPerToken);
    }

    public DecodeShape attention() { return new DecodeShape(qHeads, kvHeads, kDim, vDim, latentV); }
}
