package dev.kiln.inference;

/**
 * A Llama forward pass in fp64, written from the Hugging Face modelling code's definitions and sharing nothing with
 * Kiln's decoder: RMSNorm, rotate-half RoPE, grouped-query causal attention over the whole prefix recomputed at every
 * position, SwiGLU. Weights are {@code [out][in]} in Hugging Face's row order. With {@link #int8Activations}, every
 * matrix-vector product first rounds its input as llama.cpp's Q8 activations do (per block of 32: {@code d = max|x| / 127},
 * {@code x ← d · rint(x / d)}), in fp64.
 */
final class LlamaReference {
    final int vocab, dim, layers, heads, kvHeads, ffn, hd;
    final double theta, eps;
    double[][] embed, output;
    double[] outNorm;
    double[][] attnNorm, ffnNorm;
    double[][][] wq, wk, wv, wo, gate, up, down;
    boolean int8Activations;

    LlamaReference(int vocab, int dim, int layers, int heads, int kvHeads, int ffn, double theta, double eps) {
        this.vocab = vocab;
        this.dim = dim;
        this.layers = layers;
        this.heads = heads;
        this.kvHeads = kvHeads;
        this.ffn = ffn;
        this.hd = dim / heads;
        this.theta = theta;
        this.eps = eps;
        attnNorm = new double[layers][];
        ffnNorm = new double[layers][];
        wq = new double[layers][][];
        wk = new double[layers][][];
        wv = new double[layers][][];
        wo = new double[layers][][];
        gate = new double[layers][][];
        up = new double[layers][][];
        down = new double[layers][][];
    }

    double[] mv(double[][] w, double[] x) {
        if (int8Activations) x = roundToInt8Blocks(x);
        double[] y = new double[w.length];
        for (int o = 0; o < w.length; o++) {
            double s = 0;
            for (int i = 0; i < x.length; i++) s += w[o][i] * x[i];
            y[o] = s;
        }
        return y;
    }

    static double[] roundToInt8Blocks(double[] x) {
        double[] r = new double[x.length];
        for (int k = 0; k < x.length / 32; k++) {
            double m = 0;
            for (int j = 0; j < 32; j++) m = Math.max(m, Math.abs(x[32 * k + j]));
            for (int j = 0; j < 32; j++) r[32 * k + j] = m == 0 ? 0 : m / 127 * Math.rint(x[32 * k + j] * 127 / m);
        }
        return r;
    }

    double[] rms(double[] x, double[] g) {
        double ss = 0;
        for (double v : x) ss += v * v;
        double inv = 1 / Math.sqrt(ss / x.length + eps);
        double[] y = new double[x.length];
        for (int i = 0; i < x.length; i++) y[i] = x[i] * inv * g[i];
        return y;
    }

    void rope(double[] x, int nHeads, int pos) {
        int half = hd / 2;
        for (int h = 0; h < nHeads; h++) {
            for (int i = 0; i < half; i++) {
                double f = pos * Math.pow(theta, -2.0 * i / hd);
                double a = x[h * hd + i], b = x[h * hd + i + half];
                x[h * hd + i] = a * Math.cos(f) - b * Math.sin(f);
                x[h * hd + i + half] = a * Math.sin(f) + b * Math.cos(f);
            }
        }
    }

    /** Logits after each token of {@code tokens}: {@code [positions][vocab]}. */
    double[][] logits(int[] tokens) {
        int n = tokens.length;
        double[][] x = new double[n][];
        for (int t = 0; t < n; t++) x[t] = embed[tokens[t]].clone();
        for (int l = 0; l < layers; l++) {
            double[][] q = new double[n][], k = new double[n][], v = new double[n][];
            for (int t = 0; t < n; t++) {
                double[] xn = rms(x[t], attnNorm[l]);
                q[t] = mv(wq[l], xn);
                k[t] = mv(wk[l], xn);
                v[t] = mv(wv[l], xn);
                rope(q[t], heads, t);
                rope(k[t], kvHeads, t);
            }
            for (int t = 0; t < n; t++) {
                double[] att = new double[heads * hd];
                for (int h = 0; h < heads; h++) {
                    int kh = h / (heads / kvHeads);
                    double[] s = new double[t + 1];
                    double max = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j <= t; j++) {
                        double dot = 0;
                        for (int e = 0; e < hd; e++) dot += q[t][h * hd + e] * k[j][kh * hd + e];
                        s[j] = dot / Math.sqrt(hd);
                        max = Math.max(max, s[j]);
                    }
                    double sum = 0;
                    for (int j = 0; j <= t; j++) sum += s[j] = Math.exp(s[j] - max);
                    for (int j = 0; j <= t; j++) for (int e = 0; e < hd; e++) att[h * hd + e] += s[j] / sum * v[j][kh * hd + e];
                }
                double[] o = mv(wo[l], att);
                for (int i = 0; i < dim; i++) x[t][i] += o[i];
                double[] xn = rms(x[t], ffnNorm[l]);
                double[] g = mv(gate[l], xn), u = mv(up[l], xn);
                for (int i = 0; i < ffn; i++) g[i] = g[i] / (1 + Math.exp(-g[i])) * u[i];
                double[] d = mv(down[l], g);
                for (int i = 0; i < dim; i++) x[t][i] += d[i];
            }
        }
        double[][] out = new double[n][];
        for (int t = 0; t < n; t++) out[t] = mv(output, rms(x[t], outNorm));
        return out;
    }
}
