package dev.kiln.attention.model;

import dev.kiln.attention.helix.HelixMapping;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * One rank's part of a mixture-of-experts FFN on Helix's TPF × EP grid: the router (replicated, it is
 * {@code experts × hidden}) and, for the experts of its EP group, the W1/W3 rows and W2 columns of its TPF
 * slice. {@link #forward} leaves in {@code y} this rank's partial sum; the all-reduce over all N ranks that
 * follows (the dense FFN's own) adds the TPF slices and the EP groups into the layer's output. Every rank
 * holds the whole residual stream after the W_O all-reduce, so tokens need no dispatch all-to-all: each rank
 * routes every token itself and skips the experts it does not hold (the decode-time layout; a prefill with
 * many tokens would dispatch instead).
 *
 * @param firstExpert the global index of {@code w1[0]}
 */
record MoeFfn(int firstExpert, MemorySegment router, MemorySegment[] w1, MemorySegment[] w3, MemorySegment[] w2) {
    private static final int ROUTER = 9;
    private static final int EXPERT_TENSORS = 1 << 21;

    /** The logical tensor id of expert {@code e}'s W1 (0), W3 (1) or W2 (2) in {@code layer}. */
    static int expertTensor(ModelShape s, int layer, int e, int which) { return EXPERT_TENSORS + ((layer * s.experts() + e) << 2) + which; }

    static int routerTensor(int layer) { return LayerWeights.tensor(layer, ROUTER); }

    static MoeFfn generate(Arena arena, ModelShape s, HelixMapping m, int rank, int layer, long seed) {
        int h = s.hidden(), e0 = m.firstExpert(rank, s.experts()), ec = m.expertCount(rank, s.experts());
        int f0 = m.ffnFirst(rank, s.ffn()), fc = m.ffnCount(rank, s.ffn());
        float inAmp = (float) (1 / Math.sqrt(h)), outAmp = (float) (1 / Math.sqrt(s.ffn()));
        MemorySegment router = LayerWeights.matrix(arena, seed, routerTensor(layer), 0, s.experts(), 0, h, inAmp);
        MemorySegment[] w1 = new MemorySegment[ec], w3 = new MemorySegment[ec], w2 = new MemorySegment[ec];
        for (int i = 0; i < ec; i++) {
            int e = e0 + i;
            w1[i] = LayerWeights.matrix(arena, seed, expertTensor(s, layer, e, 0), f0, fc, 0, h, inAmp);
            w3[i] = LayerWeights.matrix(arena, seed, expertTensor(s, layer, e, 1), f0, fc, 0, h, inAmp);
            w2[i] = LayerWeights.matrix(arena, seed, expertTensor(s, layer, e, 2), 0, h, f0, fc, outAmp);
        }
        return new MoeFfn(e0, router, w1, w3, w2);
    }

    /** The experts a token goes to and their weights. */
    record Route(int[] experts, double[] weights) {}

    /**
     * Top {@code k} of {@code experts} router logits at {@code logits[offset ..]} (ties to the lower index),
     * weighted by the softmax over the chosen logits only (Mixtral; Qwen3's renormalised top-k is the same).
     */
    static Route route(float[] logits, int offset, int experts, int k) {
        int[] chosen = new int[k];
        boolean[] taken = new boolean[experts];
        for (int j = 0; j < k; j++) {
            int best = -1;
            for (int e = 0; e < experts; e++) {
                if (!taken[e] && (best < 0 || logits[offset + e] > logits[offset + best])) best = e;
            }
            taken[best] = true;
            chosen[j] = best;
        }
        double max = logits[offset + chosen[0]], sum = 0;
        double[] w = new double[k];
        for (int j = 0; j < k; j++) sum += w[j] = Math.exp(logits[offset + chosen[j]] - max);
        for (int j = 0; j < k; j++) w[j] /= sum;
        return new Route(chosen, w);
    }

    /**
     * {@code y[b] = Σ_{chosen e held here} weight_e · W2_e[:, slice] · swiglu(W1_e[slice]·xf[b], W3_e[slice]·xf[b])}
     * for {@code batch} rows of width {@code hidden}; {@code y} is overwritten.
     */
    void forward(float[] xf, int batch, ModelShape s, int ffnSlice, float[] y) {
        int h = s.hidden();
        float[] logits = new float[batch * s.experts()];
        Ops.matmul(xf, batch, h, router, s.experts(), logits);
        java.util.Arrays.fill(y, 0, batch * h, 0f);
        float[] row = new float[h], gate = new float[ffnSlice], up = new float[ffnSlice], out = new float[h];
        for (int b = 0; b < batch; b++) {
            Route r = route(logits, b * s.experts(), s.experts(), s.expertsPerToken());
            System.arraycopy(xf, b * h, row, 0, h);
            for (int j = 0; j < r.experts().length; j++) {
                int local = r.experts()[j] - firstExpert;
                if (local < 0 || local >= w1.length) continue;   // another EP group's expert
                Ops.matmul(row, 1, h, w1[local], ffnSlice, gate);
                Ops.matmul(row, 1, h, w3[local], ffnSlice, up);
                Ops.swiglu(gate, up, ffnSlice);
                Ops.matmul(gate, 1, ffnSlice, w2[local], h, out);
                float weight = (float) r.weights()[j];
                for (int i = 0; i < h; i++) y[b * h + i] += weight * out[i];
            }
        }
    }
}
