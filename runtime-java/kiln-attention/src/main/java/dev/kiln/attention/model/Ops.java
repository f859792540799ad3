package dev.kiln.attention.model;

import dev.kiln.device.cpu.CpuNativeKernels;
import dev.kiln.device.cpu.GemvScratch;
import dev.kiln.device.cpu.CpuParallel;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/** The dense pieces of a decoder step on the CPU: GEMV-shaped matmul, RMSNorm, RoPE, SwiGLU. */
public final class Ops {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    private Ops() {}

    /**
     * {@code y[b][o] = Σ_i x[b][i]·w[o][i]} for {@code batch} rows: {@code w} is {@code [out][in]}, read
     * once per call (rows in parallel; each weight vector feeds up to four batch rows).
     */
    public static void matmul(float[] x, int batch, int in, MemorySegment w, int out, float[] y) {
        if (out == 0) return;
        if (in == 0) {
            java.util.Arrays.fill(y, 0, batch * out, 0f);
            return;
        }
        if (CpuNativeKernels.isAvailable() && w.isNative()) {
            matmulNative(x, batch, in, w, out, y);
        } else {
            matmulJava(x, batch, in, w, out, y);
        }
    }

    /**
     * {@link #matmul} through the cpu's C GEMV ({@code kiln_gemv_f32}), which prefetches the next weight row while it
     * reads this one: the weights stream at the memory's pace instead of in turns with the arithmetic, as the
     * attention kernel's do. x goes to native memory once and y comes back once (kilobytes against megabytes of
     * weights); the row chunks run in parallel, each writing its own columns of y.
     */
    static void matmulNative(float[] x, int batch, int in, MemorySegment w, int out, float[] y) {
        GemvScratch s = GemvScratch.of((long) batch * in * Float.BYTES, (long) batch * out * Float.BYTES);
        MemorySegment.copy(x, 0, s.x(), ValueLayout.JAVA_FLOAT, 0, batch * in);
        CpuParallel.forRange(out, 8, (from, to) -> CpuNativeKernels.gemvF32(s.x(), batch, in, w, out, (int) from, (int) to, s.y()));
        MemorySegment.copy(s.y(), ValueLayout.JAVA_FLOAT, 0, y, 0, batch * out);
    }

    /** {@link #matmul} in the Vector API: the path without the native kernels, and the reference in tests. */
    static void matmulJava(float[] x, int batch, int in, MemorySegment w, int out, float[] y) {
        CpuParallel.forRange(out, 8, (from, to) -> {
            for (long ol = from; ol < to; ol++) {
                int o = (int) ol;
                long row = (long) o * in * Float.BYTES;
                for (int b0 = 0; b0 < batch; b0 += 4) {
                    int nb = Math.min(4, batch - b0);
                    FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
                    int i = 0;
                    for (; i + F.length() <= in; i += F.length()) {
                        FloatVector wv = FloatVector.fromMemorySegment(F, w, row + i * 4L, LE);
                        a0 = FloatVector.fromArray(F, x, b0 * in + i).fma(wv, a0);
                        if (nb > 1) a1 = FloatVector.fromArray(F, x, (b0 + 1) * in + i).fma(wv, a1);
                        if (nb > 2) a2 = FloatVector.fromArray(F, x, (b0 + 2) * in + i).fma(wv, a2);
                        if (nb > 3) a3 = FloatVector.fromArray(F, x, (b0 + 3) * in + i).fma(wv, a3);
                    }
                    float[] s = {a0.reduceLanes(VectorOperators.ADD), a1.reduceLanes(VectorOperators.ADD),
                            a2.reduceLanes(VectorOperators.ADD), a3.reduceLanes(VectorOperators.ADD)};
                    for (; i < in; i++) {
                        float wi = w.getAtIndex(ValueLayout.JAVA_FLOAT, (long) o * in + i);
                        for (int b = 0; b < nb; b++) s[b] += x[(b0 + b) * in + i] * wi;
                    }
                    for (int b = 0; b < nb; b++) y[(b0 + b) * out + o] = s[b];
                }
            }
        });
    }

    /** RMSNorm of each of {@code batch} rows of width {@code n}, times {@code weight}. */
    public static float[] rmsNorm(float[] x, int batch, int n, float[] weight) {
        float[] y = new float[batch * n];
        for (int b = 0; b < batch; b++) {
            double ss = 0;
            for (int i = 0; i < n; i++) ss += (double) x[b * n + i] * x[b * n + i];
            float inv = (float) (1.0 / Math.sqrt(ss / n + 1e-5));
            for (int i = 0; i < n; i++) y[b * n + i] = x[b * n + i] * inv * weight[i];
        }
        return y;
    }

    /**
     * Rotary embedding at global position {@code pos} on dims [offset, offset + dims) of each of
     * {@code heads} heads of width {@code headDim} in each batch row (rotate-half pairing, as in Llama).
     */
    public static void rope(float[] x, int batch, int heads, int headDim, int offset, int dims, long pos, double theta) {
        int half = dims / 2;
        for (int i = 0; i < half; i++) {
            double freq = Math.pow(theta, -2.0 * i / dims);
            double angle = pos * freq;
            float cos = (float) Math.cos(angle), sin = (float) Math.sin(angle);
            for (int bh = 0; bh < batch * heads; bh++) {
                int base = bh * headDim + offset;
                float a = x[base + i], b = x[base + i + half];
                x[base + i] = a * cos - b * sin;
                x[base + i + half] = a * sin + b * cos;
            }
        }
    }

    /** {@code silu(gate) * up}, in place in {@code gate}. */
    public static void swiglu(float[] gate, float[] up, int n) {
        for (int i = 0; i < n; i++) {
            float g = gate[i];
            gate[i] = g / (1f + (float) Math.exp(-g)) * up[i];
        }
    }

    public static void addInPlace(float[] x, float[] y, int n) {
        for (int i = 0; i < n; i++) x[i] += y[i];
    }
}
