package dev.kiln.attention;

/**
 * Decode attention in fp64, straight from the definition, as the oracle for every kernel:
 * {@code o[b][h] = Σ_t softmax_t(scale·q[b][h]·k[b][t][h/G]) · v[b][t][h/G]}, {@code lse = ln Σ_t e^(scale·q·k)}.
 * Arrays use the layouts of {@code kiln helix attend}: q {@code [B][Hq][Dk]}, k {@code [B][S][Hkv][Dk]},
 * v {@code [B][S][Hkv][Dv]} (for latent V, pass k and vDim: V is the first vDim of each K row).
 */
public final class ReferenceAttention {
    private ReferenceAttention() {}

    public record Result(double[] output, double[] lse) {}

    public static Result attend(DecodeShape s, int batch, int seq, float[] q, float[] k, float[] v, double scale) {
        int hq = s.qHeads(), hkv = s.kvHeads(), dk = s.kDim(), dv = s.vDim(), group = s.groupSize();
        int vStride = s.latentV() ? dk : dv;
        float[] vs = s.latentV() ? k : v;
        double[] out = new double[batch * hq * dv];
        double[] lse = new double[batch * hq];
        double[] scores = new double[seq];
        for (int b = 0; b < batch; b++) {
            for (int h = 0; h < hq; h++) {
                int kvh = h / group;
                double max = Double.NEGATIVE_INFINITY;
                for (int t = 0; t < seq; t++) {
                    double dot = 0;
                    int kb = ((b * seq + t) * hkv + kvh) * dk, qb = (b * hq + h) * dk;
                    for (int d = 0; d < dk; d++) dot += (double) q[qb + d] * k[kb + d];
                    scores[t] = dot * scale;
                    max = Math.max(max, scores[t]);
                }
                int ob = (b * hq + h) * dv;
                if (seq == 0) {
                    lse[b * hq + h] = Double.NEGATIVE_INFINITY;
                    continue;
                }
                double sum = 0;
                for (int t = 0; t < seq; t++) {
                    double w = Math.exp(scores[t] - max);
                    sum += w;
                    int vb = ((b * seq + t) * hkv + kvh) * vStride;
                    for (int d = 0; d < dv; d++) out[ob + d] += w * vs[vb + d];
                }
                for (int d = 0; d < dv; d++) out[ob + d] /= sum;
                lse[b * hq + h] = max + Math.log(sum);
            }
        }
        return new Result(out, lse);
    }
}
