package dev.kiln.attention.model;

import dev.kiln.attention.helix.HelixMapping;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * One rank's slices of one layer, generated in place from the model seed: W_Q/W_K/W_V for its TPA
 * head slice (every KVP rank of the slice holds the same ones: the paper's replicated QKV), W_O columns
 * for the heads it holds after the all-to-all (TP = N), and W1/W3 rows and W2 columns of its FFN
 * slice (dense: TPF = N; a mixture of experts: {@link MoeFfn} on the TPF × EP grid, and w1/w3/w2 null).
 * Matrices are {@code [out][in]}.
 */
record LayerWeights(MemorySegment wq, MemorySegment wk, MemorySegment wv, MemorySegment wo,
                    MemorySegment w1, MemorySegment w3, MemorySegment w2, MoeFfn moe, float[] attnNorm, float[] ffnNorm) {

    static final int WQ = 0, WK = 1, WV = 2, WO = 3, W1 = 4, W2 = 5, W3 = 6, ATTN_NORM = 7, FFN_NORM = 8;

    static int tensor(int layer, int which) { return layer * 16 + which; }

    static LayerWeights generate(Arena arena, ModelShape s, HelixMapping m, int rank, int layer, long seed) {
        int h = s.hidden();
        float inAmp = (float) (1 / Math.sqrt(h));
        int q0 = m.firstQHead(rank), lq = m.qHeadsPerRank(), kv0 = m.firstKvHead(rank), lk = m.kvHeadsPerRank();
        MemorySegment wq = matrix(arena, seed, tensor(layer, WQ), q0 * s.kDim(), lq * s.kDim(), 0, h, inAmp);
        MemorySegment wk = matrix(arena, seed, tensor(layer, WK), kv0 * s.kDim(), lk * s.kDim(), 0, h, inAmp);
        MemorySegment wv = s.latentV() ? null : matrix(arena, seed, tensor(layer, WV), kv0 * s.vDim(), lk * s.vDim(), 0, h, inAmp);
        int mh0 = m.firstMergedHead(rank), mhc = m.mergedHeadCount(rank);
        MemorySegment wo = matrix(arena, seed, tensor(layer, WO), 0, h, mh0 * s.vDim(), mhc * s.vDim(), (float) (1 / Math.sqrt((double) s.qHeads() * s.vDim())));
        float[] attnNorm = norm(seed, tensor(layer, ATTN_NORM), h), ffnNorm = norm(seed, tensor(layer, FFN_NORM), h);
        if (s.moe()) return new LayerWeights(wq, wk, wv, wo, null, null, null, MoeFfn.generate(arena, s, m, rank, layer, seed), attnNorm, ffnNorm);
        int f0 = m.ffnFirst(rank, s.ffn()), fc = m.ffnCount(rank, s.ffn());
        MemorySegment w1 = matrix(arena, seed, tensor(layer, W1), f0, fc, 0, h, inAmp);
        MemorySegment w3 = matrix(arena, seed, tensor(layer, W3), f0, fc, 0, h, inAmp);
        MemorySegment w2 = matrix(arena, seed, tensor(layer, W2), 0, h, f0, fc, (float) (1 / Math.sqrt(s.ffn())));
        return new LayerWeights(wq, wk, wv, wo, w1, w3, w2, null, attnNorm, ffnNorm);
    }

    static MemorySegment matrix(Arena arena, long seed, int tensor, int row0, int rows, int col0, int cols, float amp) {
        MemorySegment seg = arena.allocate(Math.max(4, (long) rows * cols * Float.BYTES), 64);
        WeightGen.fill(seg, seed, tensor, row0, rows, col0, cols, amp);
        return seg;
    }

    static float[] norm(long seed, int tensor, int n) {
        float[] w = new float[n];
        for (int i = 0; i < n; i++) w[i] = 1 + WeightGen.value(seed, tensor, 0, i, 0.1f);
        return w;
    }
}
