package dev.kiln.attention;

import java.util.SplittableRandom;

/** Random decode-attention inputs in the {@code kiln helix attend} layouts. */
record AttentionTestData(DecodeShape shape, int batch, int seq, float[] q, float[] k, float[] v) {
    static AttentionTestData random(DecodeShape s, int batch, int seq, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] q = new float[batch * s.qHeads() * s.kDim()];
        float[] k = new float[batch * seq * s.kvHeads() * s.kDim()];
        float[] v = s.latentV() ? new float[0] : new float[batch * seq * s.kvHeads() * s.vDim()];
        // Queries scaled up so that softmax is peaked and the max-subtraction matters.
        for (int i = 0; i < q.length; i++) q[i] = (float) (r.nextGaussian() * 2);
        for (int i = 0; i < k.length; i++) k[i] = (float) r.nextGaussian();
        for (int i = 0; i < v.length; i++) v[i] = (float) r.nextGaussian();
        return new AttentionTestData(s, batch, seq, q, k, v);
    }

    /** k[b] as [seq][kvHeads][kDim] for one sequence, ready for PagedKvCache.append. */
    float[] kOf(int b, int from, int to) {
        int w = shape.kvHeads() * shape.kDim();
        return java.util.Arrays.copyOfRange(k, (b * seq + from) * w, (b * seq + to) * w);
    }

    float[] vOf(int b, int from, int to) {
        if (shape.latentV()) return new float[0];
        int w = shape.kvHeads() * shape.vDim();
        return java.util.Arrays.copyOfRange(v, (b * seq + from) * w, (b * seq + to) * w);
    }
}
