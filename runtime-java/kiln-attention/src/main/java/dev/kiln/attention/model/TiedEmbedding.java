package dev.kiln.attention.model;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The decoder's two ends, from the model seed: the token embedding and the LM head that reuses it (tied),
 * after a final RMS norm. One place for both, so that the threaded {@link HelixDecoder} and a rank in its
 * own process ({@link HelixRankWorker}) embed and score the same way.
 */
final class TiedEmbedding {
    private final ModelShape s;
    private final MemorySegment embedding;
    private final float[] finalNorm;

    /** The matrix lives in {@code arena}; the seed offsets keep it apart from the layers' weights. */
    TiedEmbedding(Arena arena, ModelShape s, long seed) {
        this.s = s;
        this.embedding = LayerWeights.matrix(arena, seed, 1 << 20, 0, s.vocab(), 0, s.hidden(), 1f);
        this.finalNorm = LayerWeights.norm(seed, (1 << 20) + 1, s.hidden());
    }

    /** The residual stream {@code [tokens.length][hidden]} the tokens start as. */
    float[] embed(int[] tokens) {
        int h = s.hidden();
        float[] x = new float[tokens.length * h];
        for (int b = 0; b < tokens.length; b++) {
            if (tokens[b] < 0 || tokens[b] >= s.vocab()) throw new IllegalArgumentException("token " + tokens[b] + " outside vocab " + s.vocab());
            MemorySegment.copy(embedding, ValueLayout.JAVA_FLOAT, (long) tokens[b] * h * Float.BYTES, x, b * h, h);
        }
        return x;
    }

    /** Logits {@code [batch][vocab]} of the residual stream {@code x} into {@code out}. */
    void logits(float[] x, int batch, float[] out) {
        float[] xn = Ops.rmsNorm(x, batch, s.hidden(), finalNorm);
        Ops.matmul(xn, batch, s.hidden(), embedding, s.vocab(), out);
    }
}
