package dev.kiln.train;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

/**
 * The dense kernels of the decoder on the cpu, with the Vector API, on row-major {@code float[]} slices
 * ({@code array, offset}). Single-threaded on purpose: data-parallel training runs W worker processes on the
 * same cores, so the parallelism is across workers, not inside one matmul.
 *
 * <p>The three matmul shapes cover forward and backward of every linear layer and of the tied head:
 * {@link #matmul} {@code C = A B (+ bias)}, {@link #matmulTransposedB} {@code C = A Bᵀ} and
 * {@link #accumulateTransposedA} {@code C += Aᵀ B}. Each keeps its accumulators in registers over the
 * reduction dimension; column tails use masked loads rather than scalar loops.
 */
public final class TrainKernels {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final int L = F.length();

    private TrainKernels() {}

    /**
     * {@code out[n, m] = bias[m] + Σ_k a[n, k] b[k, m]}; {@code bias} may be null. A tile of four rows by four
     * vectors keeps 16 accumulators in registers, so each load of b feeds four rows and each broadcast of a four
     * vectors, and 16 independent FMA chains hide the FMA latency; the columns left over run one vector at a time.
     * Every output is {@code fma(a[p], b[p], ·)} over p in ascending order, whatever the tile: the bits do not
     * depend on the blocking ({@code TrainKernelsTest} checks them against a scalar {@link Math#fma} loop).
     */
    public static void matmul(float[] out, int o, float[] a, int ao, float[] b, int bo, float[] bias, int biasOff,
                              int n, int k, int m) {
        int r = 0;
        for (; r + 4 <= n; r += 4) {
            int a0 = ao + r * k, a1 = a0 + k, a2 = a1 + k, a3 = a2 + k;
            int j = 0;
            for (; j + 4 * L <= m; j += 4 * L) matmulTile4x4(out, o + r * m + j, a, a0, b, bo + j, bias, bias == null ? 0 : biasOff + j, k, m);
            for (; j < m; j += L) {
                VectorMask<Float> mask = F.indexInRange(j, m);
                FloatVector init = bias == null ? FloatVector.zero(F) : FloatVector.fromArray(F, bias, biasOff + j, mask);
                FloatVector c0 = init, c1 = init, c2 = init, c3 = init;
                for (int p = 0; p < k; p++) {
                    FloatVector w = FloatVector.fromArray(F, b, bo + p * m + j, mask);
                    c0 = w.fma(FloatVector.broadcast(F, a[a0 + p]), c0);
                    c1 = w.fma(FloatVector.broadcast(F, a[a1 + p]), c1);
                    c2 = w.fma(FloatVector.broadcast(F, a[a2 + p]), c2);
                    c3 = w.fma(FloatVector.broadcast(F, a[a3 + p]), c3);
                }
                int oj = o + r * m + j;
                c0.intoArray(out, oj, mask);
                c1.intoArray(out, oj + m, mask);
                c2.intoArray(out, oj + 2 * m, mask);
                c3.intoArray(out, oj + 3 * m, mask);
            }
        }
        for (; r < n; r++) {
            int a0 = ao + r * k;
            for (int j = 0; j < m; j += L) {
                VectorMask<Float> mask = F.indexInRange(j, m);
                FloatVector c0 = bias == null ? FloatVector.zero(F) : FloatVector.fromArray(F, bias, biasOff + j, mask);
                for (int p = 0; p < k; p++) c0 = FloatVector.fromArray(F, b, bo + p * m + j, mask).fma(FloatVector.broadcast(F, a[a0 + p]), c0);
                c0.intoArray(out, o + r * m + j, mask);
            }
        }
    }

    /** Rows a0..a0+3k of a times columns [b0, b0 + 4L) of b (row stride m), into out at o (row stride m). */
    private static void matmulTile4x4(float[] out, int o, float[] a, int a0, float[] b, int b0, float[] bias, int biasOff, int k, int m) {
        FloatVector i0 = bias == null ? FloatVector.zero(F) : FloatVector.fromArray(F, bias, biasOff);
        FloatVector i1 = bias == null ? i0 : FloatVector.fromArray(F, bias, biasOff + L);
        FloatVector i2 = bias == null ? i0 : FloatVector.fromArray(F, bias, biasOff + 2 * L);
        FloatVector i3 = bias == null ? i0 : FloatVector.fromArray(F, bias, biasOff + 3 * L);
        FloatVector c00 = i0, c01 = i1, c02 = i2, c03 = i3, c10 = i0, c11 = i1, c12 = i2, c13 = i3;
        FloatVector c20 = i0, c21 = i1, c22 = i2, c23 = i3, c30 = i0, c31 = i1, c32 = i2, c33 = i3;
        int a1 = a0 + k, a2 = a1 + k, a3 = a2 + k;
        for (int p = 0; p < k; p++) {
            int bp = b0 + p * m;
            FloatVector w0 = FloatVector.fromArray(F, b, bp), w1 = FloatVector.fromArray(F, b, bp + L);
            FloatVector w2 = FloatVector.fromArray(F, b, bp + 2 * L), w3 = FloatVector.fromArray(F, b, bp + 3 * L);
            FloatVector x = FloatVector.broadcast(F, a[a0 + p]);
            c00 = w0.fma(x, c00); c01 = w1.fma(x, c01); c02 = w2.fma(x, c02); c03 = w3.fma(x, c03);
            x = FloatVector.broadcast(F, a[a1 + p]);
            c10 = w0.fma(x, c10); c11 = w1.fma(x, c11); c12 = w2.fma(x, c12); c13 = w3.fma(x, c13);
            x = FloatVector.broadcast(F, a[a2 + p]);
            c20 = w0.fma(x, c20); c21 = w1.fma(x, c21); c22 = w2.fma(x, c22); c23 = w3.fma(x, c23);
            x = FloatVector.broadcast(F, a[a3 + p]);
            c30 = w0.fma(x, c30); c31 = w1.fma(x, c31); c32 = w2.fma(x, c32); c33 = w3.fma(x, c33);
        }
        store4(out, o, c00, c01, c02, c03);
        store4(out, o + m, c10, c11, c12, c13);
        store4(out, o + 2 * m, c20, c21, c22, c23);
        store4(out, o + 3 * m, c30, c31, c32, c33);
    }

    private static void store4(float[] out, int o, FloatVector v0, FloatVector v1, FloatVector v2, FloatVector v3) {
        v0.intoArray(out, o);
        v1.intoArray(out, o + L);
        v2.intoArray(out, o + 2 * L);
        v3.intoArray(out, o + 3 * L);
    }

    /**
     * {@code out[n, j] (+)= Σ_k a[n, k] b[j, k]}: the backward of a linear layer for its input, and the tied head's
     * logits. B is transposed first and the product taken as {@link #matmul}: every kernel then works lane-wise
     * and sums in a fixed order. A horizontal {@code reduceLanes} would not: its order differs between the
     * interpreter and C2, so the same run could give different bits before and after warm-up, and replicas
     * trained from the same seed would not be reproducible.
     */
    public static void matmulTransposedB(float[] out, int o, float[] a, int ao, float[] b, int bo,
                                         int n, int k, int jn, boolean accumulate) {
        float[] bt = new float[k * jn];
        for (int j = 0; j < jn; j++) {
            int row = bo + j * k;
            for (int p = 0; p < k; p++) bt[p * jn + j] = b[row + p];
        }
        if (!accumulate) {
            matmul(out, o, a, ao, bt, 0, null, 0, n, k, jn);
            return;
        }
        float[] tmp = new float[n * jn];
        matmul(tmp, 0, a, ao, bt, 0, null, 0, n, k, jn);
        add(out, o, tmp, 0, n * jn);
    }

    /**
     * {@code c[p, m] += Σ_n a[n, p] b[n, m]}: the weight gradient of a linear layer ({@code a} = input, {@code b} =
     * output gradient). Tiles of four rows of c by four vectors, as {@link #matmul}; each element still adds its
     * n terms in ascending order, so the bits do not depend on the tile.
     */
    public static void accumulateTransposedA(float[] c, int co, float[] a, int ao, float[] b, int bo, int n, int k, int m) {
        int p = 0;
        for (; p + 4 <= k; p += 4) {
            int j = 0;
            for (; j + 4 * L <= m; j += 4 * L) accumulateTile4x4(c, co + p * m + j, a, ao + p, b, bo + j, n, k, m);
            for (; j < m; j += L) {
                VectorMask<Float> mask = F.indexInRange(j, m);
                int c0i = co + p * m + j;
                FloatVector c0 = FloatVector.fromArray(F, c, c0i, mask);
                FloatVector c1 = FloatVector.fromArray(F, c, c0i + m, mask);
                FloatVector c2 = FloatVector.fromArray(F, c, c0i + 2 * m, mask);
                FloatVector c3 = FloatVector.fromArray(F, c, c0i + 3 * m, mask);
                for (int r = 0; r < n; r++) {
                    FloatVector g = FloatVector.fromArray(F, b, bo + r * m + j, mask);
                    int ar = ao + r * k + p;
                    c0 = g.fma(FloatVector.broadcast(F, a[ar]), c0);
                    c1 = g.fma(FloatVector.broadcast(F, a[ar + 1]), c1);
                    c2 = g.fma(FloatVector.broadcast(F, a[ar + 2]), c2);
                    c3 = g.fma(FloatVector.broadcast(F, a[ar + 3]), c3);
                }
                c0.intoArray(c, c0i, mask);
                c1.intoArray(c, c0i + m, mask);
                c2.intoArray(c, c0i + 2 * m, mask);
                c3.intoArray(c, c0i + 3 * m, mask);
            }
        }
        for (; p < k; p++) {
            for (int j = 0; j < m; j += L) {
                VectorMask<Float> mask = F.indexInRange(j, m);
                int ci = co + p * m + j;
                FloatVector c0 = FloatVector.fromArray(F, c, ci, mask);
                for (int r = 0; r < n; r++) c0 = FloatVector.fromArray(F, b, bo + r * m + j, mask).fma(FloatVector.broadcast(F, a[ao + r * k + p]), c0);
                c0.intoArray(c, ci, mask);
            }
        }
    }

    /** Rows [p, p + 4) of c (at co, stride m), columns [j, j + 4L): a at ap = ao + p (stride k), b at bj (stride m). */
    private static void accumulateTile4x4(float[] c, int co, float[] a, int ap, float[] b, int bj, int n, int k, int m) {
        FloatVector c00 = FloatVector.fromArray(F, c, co), c01 = FloatVector.fromArray(F, c, co + L);
        FloatVector c02 = FloatVector.fromArray(F, c, co + 2 * L), c03 = FloatVector.fromArray(F, c, co + 3 * L);
        FloatVector c10 = FloatVector.fromArray(F, c, co + m), c11 = FloatVector.fromArray(F, c, co + m + L);
        FloatVector c12 = FloatVector.fromArray(F, c, co + m + 2 * L), c13 = FloatVector.fromArray(F, c, co + m + 3 * L);
        FloatVector c20 = FloatVector.fromArray(F, c, co + 2 * m), c21 = FloatVector.fromArray(F, c, co + 2 * m + L);
        FloatVector c22 = FloatVector.fromArray(F, c, co + 2 * m + 2 * L), c23 = FloatVector.fromArray(F, c, co + 2 * m + 3 * L);
        FloatVector c30 = FloatVector.fromArray(F, c, co + 3 * m), c31 = FloatVector.fromArray(F, c, co + 3 * m + L);
        FloatVector c32 = FloatVector.fromArray(F, c, co + 3 * m + 2 * L), c33 = FloatVector.fromArray(F, c, co + 3 * m + 3 * L);
        for (int r = 0; r < n; r++) {
            int br = bj + r * m, ar = ap + r * k;
            FloatVector g0 = FloatVector.fromArray(F, b, br), g1 = FloatVector.fromArray(F, b, br + L);
            FloatVector g2 = FloatVector.fromArray(F, b, br + 2 * L), g3 = FloatVector.fromArray(F, b, br + 3 * L);
            FloatVector x = FloatVector.broadcast(F, a[ar]);
            c00 = g0.fma(x, c00); c01 = g1.fma(x, c01); c02 = g2.fma(x, c02); c03 = g3.fma(x, c03);
            x = FloatVector.broadcast(F, a[ar + 1]);
            c10 = g0.fma(x, c10); c11 = g1.fma(x, c11); c12 = g2.fma(x, c12); c13 = g3.fma(x, c13);
            x = FloatVector.broadcast(F, a[ar + 2]);
            c20 = g0.fma(x, c20); c21 = g1.fma(x, c21); c22 = g2.fma(x, c22); c23 = g3.fma(x, c23);
            x = FloatVector.broadcast(F, a[ar + 3]);
            c30 = g0.fma(x, c30); c31 = g1.fma(x, c31); c32 = g2.fma(x, c32); c33 = g3.fma(x, c33);
        }
        store4(c, co, c00, c01, c02, c03);
        store4(c, co + m, c10, c11, c12, c13);
        store4(c, co + 2 * m, c20, c21, c22, c23);
        store4(c, co + 3 * m, c30, c31, c32, c33);
    }

    /** {@code sum[m] += Σ_n x[n, m]}: a bias gradient. */
    public static void accumulateColumnSums(float[] sum, int so, float[] x, int xo, int n, int m) {
        for (int j = 0; j < m; j += L) {
            VectorMask<Float> mask = F.indexInRange(j, m);
            FloatVector s = FloatVector.fromArray(F, sum, so + j, mask);
            for (int r = 0; r < n; r++) s = s.add(FloatVector.fromArray(F, x, xo + r * m + j, mask));
            s.intoArray(sum, so + j, mask);
        }
    }

    /** {@code y[i] += x[i]} over {@code n} elements. */
    public static void add(float[] y, int yo, float[] x, int xo, int n) {
        for (int i = 0; i < n; i += L) {
            VectorMask<Float> mask = F.indexInRange(i, n);
            FloatVector.fromArray(F, y, yo + i, mask).add(FloatVector.fromArray(F, x, xo + i, mask)).intoArray(y, yo + i, mask);
        }
    }

    /** Σ x[i]² in double, for gradient norms; scalar so that the order of summation is fixed. */
    public static double sumOfSquares(float[] x, int from, int to) {
        double s = 0;
        for (int i = from; i < to; i++) s += (double) x[i] * x[i];
        return s;
    }

    /** {@code x[i] *= a}. */
    public static void scale(float[] x, int from, int to, float a) {
        int i = from;
        for (; i + L <= to; i += L) FloatVector.fromArray(F, x, i).mul(a).intoArray(x, i);
        for (; i < to; i++) x[i] *= a;
    }

    /** Layer norm of each of {@code n} rows of width {@code c}; stores mean and 1/σ per row for the backward. */
    public static void layerNorm(float[] out, int o, float[] x, int xo, float[] gain, int go, float[] bias, int bo,
                                 float[] mean, float[] rstd, int n, int c) {
        for (int r = 0; r < n; r++) {
            int xr = xo + r * c;
            double mu = 0;
            for (int i = 0; i < c; i++) mu += x[xr + i];
            mu /= c;
            double var = 0;
            for (int i = 0; i < c; i++) {
                double d = x[xr + i] - mu;
                var += d * d;
            }
            float m = (float) mu, s = (float) (1.0 / Math.sqrt(var / c + 1e-5));
            mean[r] = m;
            rstd[r] = s;
            int or = o + r * c;
            for (int i = 0; i < c; i++) out[or + i] = (x[xr + i] - m) * s * gain[go + i] + bias[bo + i];
        }
    }

    /** Backward of {@link #layerNorm}: adds to {@code dx} and to the gain and bias gradients in {@code grad}. */
    public static void layerNormBackward(float[] dx, int dxo, float[] grad, int dGainOff, int dBiasOff,
                                         float[] dout, int doo, float[] x, int xo, float[] gain, int go,
                                         float[] mean, float[] rstd, int n, int c) {
        for (int r = 0; r < n; r++) {
            int xr = xo + r * c, dr = doo + r * c, dxr = dxo + r * c;
            float m = mean[r], s = rstd[r];
            double meanDxhat = 0, meanDxhatXhat = 0;
            for (int i = 0; i < c; i++) {
                float xhat = (x[xr + i] - m) * s;
                float dxhat = dout[dr + i] * gain[go + i];
                meanDxhat += dxhat;
                meanDxhatXhat += dxhat * xhat;
                grad[dGainOff + i] += dout[dr + i] * xhat;
            }
            for (int i = 0; i < c; i++) grad[dBiasOff + i] += dout[dr + i];
            float a = (float) (meanDxhat / c), b = (float) (meanDxhatXhat / c);
            for (int i = 0; i < c; i++) {
                float xhat = (x[xr + i] - m) * s;
                float dxhat = dout[dr + i] * gain[go + i];
                dx[dxr + i] += s * (dxhat - a - xhat * b);
            }
        }
    }

    private static final float GELU_K = (float) Math.sqrt(2.0 / Math.PI);

    /** GELU, tanh approximation (as GPT-2), element-wise over {@code n} values; keeps the tanh for the backward. */
    public static void gelu(float[] out, int o, float[] tanh, float[] x, int xo, int n) {
        for (int i = 0; i < n; i++) {
            float v = x[xo + i];
            float t = (float) Math.tanh(GELU_K * (v + 0.044715f * v * v * v));
            tanh[xo + i] = t;
            out[o + i] = 0.5f * v * (1f + t);
        }
    }

    /** {@code dx[i] = dout[i] · gelu'(x[i])}, with {@code tanh} from the forward. */
    public static void geluBackward(float[] dx, int dxo, float[] dout, int doo, float[] x, float[] tanh, int xo, int n) {
        for (int i = 0; i < n; i++) {
            float v = x[xo + i], t = tanh[xo + i];
            float du = GELU_K * (1f + 3f * 0.044715f * v * v);
            dx[dxo + i] = dout[doo + i] * (0.5f * (1f + t) + 0.5f * v * (1f - t * t) * du);
        }
    }
}
