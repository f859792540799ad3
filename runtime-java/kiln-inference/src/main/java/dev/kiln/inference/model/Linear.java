package dev.kiln.inference.model;

import dev.kiln.attention.model.Ops;
import dev.kiln.inference.quant.Activations;
import dev.kiln.inference.quant.QuantizedGemv;
import dev.kiln.inference.tensor.Tensor;
import dev.kiln.inference.tensor.TensorType;

/**
 * A weight {@code [out][in]} applied to one activation row, on Kiln's GEMV kernels: where the cpu's C kernels load,
 * F32, Q8_0 and Q4_0 through {@link QuantizedGemv#gemvFused} (rows claimed by the cores); otherwise fp32 through the
 * decoder's GEMV ({@link Ops#matmul}) and the other formats through {@link QuantizedGemv#gemv}. The weight stays in
 * the checkpoint's mapping. {@code activations} says how Q8_0 and Q4_0 weights take x ({@link Activations}).
 */
public record Linear(Tensor weight, float[] bias, Activations activations) {
    public Linear {
        if (activations == null) throw new IllegalArgumentException("activations of '" + weight.name() + "' is null; allowed: FP32, INT8");
        if (weight.rank() != 2) throw new IllegalArgumentException("tensor '" + weight.name() + "' has rank " + weight.rank() + "; a linear weight is [out][in]");
        if (bias != null && bias.length != weight.dim(0)) {
            throw new IllegalArgumentException("bias of '" + weight.name() + "' has " + bias.length + " values, the weight has " + weight.dim(0) + " rows");
        }
    }

    /** With fp32 activations. */
    public Linear(Tensor weight, float[] bias) { this(weight, bias, Activations.FP32); }

    /** The same weight rows or columns (a rank's slice), biased and run the same way. */
    public Linear with(Tensor slice, float[] sliceBias) { return new Linear(slice, sliceBias, activations); }

    public int in() { return (int) weight.dim(1); }

    public int out() { return (int) weight.dim(0); }

    /** {@code y = W x (+ b)}. */
    public float[] apply(float[] x) {
        float[] y = new float[out()];
        if (!QuantizedGemv.gemvFused(x, new Tensor[]{weight}, new float[][]{y}, activations)) {
            if (weight.type() == TensorType.F32) Ops.matmul(x, 1, in(), weight.data(), out(), y);
            else QuantizedGemv.gemv(x, 1, weight, y);
        }
        if (bias != null) for (int i = 0; i < y.length; i++) y[i] += bias[i];
        return y;
    }

    /**
     * {@code apply(x)} of each linear, all reading the same {@code x}: in one parallel region where the kernels allow
     * ({@link QuantizedGemv#gemvFused}), else one after another. Same results as {@link #apply} (the same kernels on the
     * same rows). All of them must take x the same way ({@link #activations}).
     */
    public static float[][] applyAll(float[] x, Linear... linears) {
        float[][] ys = new float[linears.length][];
        Tensor[] ws = new Tensor[linears.length];
        for (int j = 0; j < linears.length; j++) {
            if (linears[j].activations != linears[0].activations) {
                throw new IllegalArgumentException("linears fused in one GEMV take x differently: " + linears[0].activations + " and " + linears[j].activations);
            }
            ws[j] = linears[j].weight;
            ys[j] = new float[linears[j].out()];
        }
        if (!QuantizedGemv.gemvFused(x, ws, ys, linears[0].activations)) {
            for (int j = 0; j < linears.length; j++) ys[j] = linears[j].apply(x);
            return ys;
        }
        for (int j = 0; j < linears.length; j++) {
            float[] b = linears[j].bias;
            if (b != null) for (int i = 0; i < b.length; i++) ys[j][i] += b[i];
        }
        return ys;
    }
}
