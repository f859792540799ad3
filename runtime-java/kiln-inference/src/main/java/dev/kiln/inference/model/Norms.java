package dev.kiln.inference.model;

/** The element-wise pieces of a decoder step: LayerNorm, RMSNorm, GELU (tanh), SwiGLU. Sums in double. */
final class Norms {
    private Norms() {}

    /** The residual connection: {@code x += y}. */
    static void residual(float[] x, float[] y) {
        for (int i = 0; i < x.length; i++) x[i] += y[i];
    }

    /** LayerNorm with gain and bias, ε = 1e-5 (as the trainer's). */
    static float[] layerNorm(float[] x, float[] g, float[] b) {
        int n = x.length;
        double mu = 0;
        for (float v : x) mu += v;
        mu /= n;
        double var = 0;
        for (float v : x) var += (v - mu) * (v - mu);
        float m = (float) mu, s = (float) (1.0 / Math.sqrt(var / n + 1e-5));
        float[] y = new float[n];
        for (int i = 0; i < n; i++) y[i] = (x[i] - m) * s * g[i] + b[i];
        return y;
    }

    static float[] rmsNorm(float[] x, float[] g, double eps) {
        double ss = 0;
        for (float v : x) ss += (double) v * v;
        float inv = (float) (1.0 / Math.sqrt(ss / x.length + eps));
        float[] y = new float[x.length];
        for (int i = 0; i < x.length; i++) y[i] = x[i] * inv * g[i];
        return y;
    }

    private static final float GELU_K = (float) Math.sqrt(2.0 / Math.PI);

    static void geluTanh(float[] x) {
        for (int i = 0; i < x.length; i++) {
            float v = x[i];
            x[i] = 0.5f * v * (1f + (float) Math.tanh(GELU_K * (v + 0.044715f * v * v * v)));
        }
    }

    /** {@code gate = silu(gate) · up}. */
    static void swiglu(float[] gate, float[] up) {
        for (int i = 0; i < gate.length; i++) {
            float g = gate[i];
            gate[i] = g / (1f + (float) Math.exp(-g)) * up[i];
        }
    }
}
