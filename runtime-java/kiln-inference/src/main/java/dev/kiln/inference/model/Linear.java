package dev.kiln.inference.model;

import dev.kiln.attention.model.Ops;
import dev.kiln.inference.quant.QuantizedGemv;
import dev.kiln.inference.tensor.Tensor;
import dev.kiln.inference.tensor.TensorType;

/**
 * A weight {@code [out][in]} applied to one activation row, on Kiln's GEMV kernels: fp32 through the decoder's
 * GEMV ({@link Ops#matmul}: C with prefetch where the native kernels load), the other formats through
 * {@link QuantizedGemv}. The weight stays in the checkpoint's mapping.
 */
public record Linear(Tensor weight, float[] bias) {
    public Linear {
        if (weight.rank() != 2) throw new IllegalArgumentException("tensor '" + weight.name() + "' has rank " + weight.rank() + "; a linear weight is [out][in]");
        if (bias != null && bias.length != weight.dim(0)) {
            throw new IllegalArgumentException("bias of '" + weight.name() + "' has " + bias.length + " values, the weight has " + weight.dim(0) + " rows");
        }
    }

    public int in() { return (int) weight.dim(1); }

    public int out() { return (int) weight.dim(0); }

    /** {@code y = W x (+ b)}. */
    public float[] apply(float[] x) {
        float[] y = new float[out()];
        if (weight.type() == TensorType.F32) Ops.matmul(x, 1, in(), weight.data(), out(), y);
        else QuantizedGemv.gemv(x, 1, weight, y);
        if (bias != null) for (int i = 0; i < y.length; i++) y[i] += bias[i];
        return y;
    }
}
