package dev.kiln.helixsim;

import static dev.kiln.helixsim.Checks.named;
import static dev.kiln.helixsim.Checks.positive;

/**
 * A decoder-only transformer as the cost model sees it: {@code layers} identical attention blocks, each
 * followed by a SwiGLU FFN (three H×F matrices) or, when {@code moe} is present and the layer index is at
 * least {@code moe.denseLayers}, by a mixture of experts. Embeddings and the LM head are not modelled
 * (under 1 % of the bytes read per token for the bundled models).
 */
public record ModelSpec(String name, int layers, int hiddenSize, int ffnSize, AttentionSpec attention, MoeSpec moe) {
    public ModelSpec {
        named("model.name", name);
        positive("model.layers", layers);
        positive("model.hiddenSize", hiddenSize);
        positive("model.ffnSize", ffnSize);
        if (attention == null) throw new IllegalArgumentException("model.attention is missing");
        if (moe != null && moe.denseLayers() > layers) {
            throw new IllegalArgumentException("moe.denseLayers = " + moe.denseLayers() + ": must be <= layers = " + layers);
        }
    }

    public boolean isMoe() { return moe != null; }

    /** Layers whose FFN is dense. */
    public int denseLayerCount() { return moe == null ? layers : moe.denseLayers(); }

    /** Layers whose FFN is a mixture of experts. */
    public int moeLayerCount() { return layers - denseLayerCount(); }

    /** Elements of one SwiGLU FFN of intermediate width {@code f}: gate, up and down projections. */
    public double swigluElements(int f) { return 3.0 * hiddenSize * f; }
}
