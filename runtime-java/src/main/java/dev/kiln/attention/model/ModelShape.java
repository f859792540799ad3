package dev.kiln.attention.model;

import dev.kiln.attention.DecodeShape;

/**
 * The shape of a decoder with random weights: Llama-style (GQA, RoPE on whole heads) or MLA-style
 * (absorbed decode: one latent KV head of {@code kDim = latent + rope}, RoPE on the last {@code ropeDims},
 * V = the first {@code vDim} latent dims). Layer counts and vocabularies of the presets are cut so that
 * a default run fits a 24 GiB machine; {@link #withLayers} changes the depth.
 */
public record ModelShape(String name, int hidden, int qHeads, int kvHeads, int kDim, int vDim, boolean latentV,
                         int ropeOffset, int ropeDims, int ffn, int layers, int vocab, double ropeTheta) {
    public ModelShape {
        new DecodeShape(qHeads, kvHeads, kDim, vDim, latentV); // validates heads and dims
        if (hidden < 1 || ffn < 1 || layers < 1 || vocab < 2) {
            throw new IllegalArgumentException("hidden, ffn, layers must be >= 1 and vocab >= 2, were " + hidden + ", " + ffn + ", " + layers + ", " + vocab);
        }
        if (ropeDims % 2 != 0 || ropeOffset < 0 || ropeOffset + ropeDims > kDim) {
            throw new IllegalArgumentException("rope dims [" + ropeOffset + ", " + (ropeOffset + ropeDims) + ") must be an even range inside kDim=" + kDim);
        }
    }

    /** Llama-3-8B attention and FFN widths (H 4096, 32/8 heads of 128, F 14336); 2 layers and a 32768 vocab by default. */
    public static ModelShape llama8b() {
        return new ModelShape("llama-8b-shape", 4096, 32, 8, 128, 128, false, 0, 128, 14336, 2, 32768, 500000);
    }

    /** DeepSeek MLA attention (128 heads over a 512 + 64 latent) on a narrow residual (H 1024, F 4096), 1 layer. */
    public static ModelShape mla() {
        return new ModelShape("mla-shape", 1024, 128, 1, 576, 512, true, 512, 64, 4096, 1, 32768, 10000);
    }

    /** Small shapes for tests. */
    public static ModelShape testGqa() {
        return new ModelShape("test-gqa", 256, 8, 4, 32, 32, false, 0, 32, 512, 2, 512, 10000);
    }

    public static ModelShape testMla() {
        return new ModelShape("test-mla", 128, 8, 1, 48, 32, true, 32, 16, 256, 2, 512, 10000);
    }

    public static ModelShape named(String name) {
        return switch (name) {
            case "llama-8b-shape" -> llama8b();
            case "mla-shape" -> mla();
            case "test-gqa" -> testGqa();
            case "test-mla" -> testMla();
            default -> throw new IllegalArgumentException("model must be llama-8b-shape, mla-shape, test-gqa or test-mla, was '" + name + "'");
        };
    }

    public ModelShape withLayers(int n) {
        return new ModelShape(name, hidden, qHeads, kvHeads, kDim, vDim, latentV, ropeOffset, ropeDims, ffn, n, vocab, ropeTheta);
    }

    public DecodeShape attention() { return new DecodeShape(qHeads, kvHeads, kDim, vDim, latentV); }
}
