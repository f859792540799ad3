package dev.kiln.tconv.reference;

import dev.kiln.tconv.TConvSpec;
import dev.kiln.tconv.quant.Int8Quant;
import dev.kiln.tconv.quant.Requantizer;
import dev.kiln.tconv.quant.Rounding;

/**
 * The oracle: transposed convolution straight from its definition, in fp64 and in exact int64, with no
 * reordering, blocking or compute map. Every input pixel {@code (iy, ix)} and tap {@code (ky, kx)} adds
 * {@code x[n,iy,ix,:]·w[oc,ky,kx,:]} into output {@code (iy·sh − padTop + ky, ix·sw − padLeft + kx)} if that
 * lies inside the output (with depth, dilations and groups as {@link TConvSpec} defines them). Layouts are the
 * ones of {@link TConvSpec}: channels-last input and output, {@code [Oc, Kd, Kh, Kw, Ic/group]} weights.
 * Every other implementation is checked against these loops.
 */
public final class TConvReference {
    private TConvReference() {}

    /** fp64 output {@code [N, Od, Oh, Ow, Oc]}; {@code bias} may be null (zeros). */
    public static double[] fp64(TConvSpec s, float[] input, float[] weights, float[] bias) {
        checkLengths(s, input.length, weights.length, bias == null ? -1 : bias.length);
        double[] out = new double[Math.toIntExact(s.outputElements())];
        for (int i = 0; i < out.length; i++) out[i] = bias == null ? 0 : bias[i % s.oc()];
        scatter(s, (o, oc, in, w) -> {
            double dot = 0;
            for (int c = 0; c < s.icPerGroup(); c++) dot += (double) input[in + c] * weights[w + c];
            out[o + oc] += dot;
        });
        return out;
    }

    /**
     * Exact accumulators {@code acc = Σ (x − inputZeroPoint)·w + bias[oc]} over the valid taps, in int64,
     * shape {@code [N, Od, Oh, Ow, Oc]}; {@code bias} may be null (zeros).
     */
    public static long[] int8Accumulators(TConvSpec s, byte[] input, byte[] weights, int[] bias, int inputZeroPoint) {
        checkLengths(s, input.length, weights.length, bias == null ? -1 : bias.length);
        long[] acc = new long[Math.toIntExact(s.outputElements())];
        for (int i = 0; i < acc.length; i++) acc[i] = bias == null ? 0 : bias[i % s.oc()];
        scatter(s, (o, oc, in, w) -> {
            long dot = 0;
            for (int c = 0; c < s.icPerGroup(); c++) dot += (long) (input[in + c] - inputZeroPoint) * weights[w + c];
            acc[o + oc] += dot;
        });
        return acc;
    }

    /** One product of the definition: output pixel offset, output channel, input offset, weight offset. */
    private interface Product { void add(int out, int oc, int in, int w); }

    /**
     * The definition as loops: every input voxel, every tap, every output channel; the product lands at
     * {@code i·s − padBegin + k·d} on each axis when that is inside the output. The input channels read are
     * those of the output channel's group.
     */
    private static void scatter(TConvSpec s, Product p) {
        int od = s.od(), oh = s.oh(), ow = s.ow(), pf = s.padFront(), pt = s.padTop(), pl = s.padLeft();
        int icg = s.icPerGroup(), ocg = s.ocPerGroup();
        for (int n = 0; n < s.n(); n++)
            for (int iz = 0; iz < s.id(); iz++)
                for (int iy = 0; iy < s.ih(); iy++)
                    for (int ix = 0; ix < s.iw(); ix++) {
                        int pixel = (((n * s.id() + iz) * s.ih() + iy) * s.iw() + ix) * s.ic();
                        for (int kz = 0; kz < s.kd(); kz++) {
                            int oz = iz * s.sd() - pf + kz * s.dd();
                            if (oz < 0 || oz >= od) continue;
                            for (int ky = 0; ky < s.kh(); ky++) {
                                int oy = iy * s.sh() - pt + ky * s.dh();
                                if (oy < 0 || oy >= oh) continue;
                                for (int kx = 0; kx < s.kw(); kx++) {
                                    int ox = ix * s.sw() - pl + kx * s.dw();
                                    if (ox < 0 || ox >= ow) continue;
                                    int o = (((n * od + oz) * oh + oy) * ow + ox) * s.oc();
                                    for (int oc = 0; oc < s.oc(); oc++) {
                                        int w = (((oc * s.kd() + kz) * s.kh() + ky) * s.kw() + kx) * icg;
                                        p.add(o, oc, pixel + (oc / ocg) * icg, w);
                                    }
                                }
                            }
                        }
                    }
    }

    /**
     * TFLite's int8 {@code TRANSPOSE_CONV}: the exact accumulators, then per channel
     * {@link Requantizer#apply}. TFLite accumulates in int32; an accumulator outside int32 would wrap there,
     * so it is an error here (it cannot happen for {@code Kh·Kw·Ic ≤ 66 000} taps with int32 bias in range).
     */
    public static byte[] int8(TConvSpec s, byte[] input, byte[] weights, int[] bias, Int8Quant quant, Rounding rounding) {
        return int8(s, input, weights, bias, quant.inputZeroPoint(), quant.requantizer(s.oc(), rounding));
    }

    /** As {@link #int8(TConvSpec, byte[], byte[], int[], Int8Quant, Rounding)} with an already derived requantizer. */
    public static byte[] int8(TConvSpec s, byte[] input, byte[] weights, int[] bias, int inputZeroPoint, Requantizer requantizer) {
        if (requantizer.channels() != s.oc()) {
            throw new IllegalArgumentException("requantizer has " + requantizer.channels() + " channels, the layer has oc=" + s.oc());
        }
        long[] acc = int8Accumulators(s, input, weights, bias, inputZeroPoint);
        byte[] out = new byte[acc.length];
        for (int i = 0; i < acc.length; i++) {
            if (acc[i] < Integer.MIN_VALUE || acc[i] > Integer.MAX_VALUE) {
                throw new ArithmeticException("int32 accumulator overflow at output element " + i + ": " + acc[i]);
            }
            out[i] = requantizer.apply((int) acc[i], i % s.oc());
        }
        return out;
    }

    /** Checks tensor lengths against the spec; {@code biasLength < 0} means no bias. */
    public static void checkLengths(TConvSpec s, long inputLength, long weightsLength, long biasLength) {
        if (inputLength != s.inputElements()) {
            throw new IllegalArgumentException("input has " + inputLength + " elements, [N, Id, Ih, Iw, Ic] = [" + s.n() + ", " + s.id()
                    + ", " + s.ih() + ", " + s.iw() + ", " + s.ic() + "] needs " + s.inputElements());
        }
        if (weightsLength != s.weightElements()) {
            throw new IllegalArgumentException("weights has " + weightsLength + " elements, [Oc, Kd, Kh, Kw, Ic/group] = [" + s.oc() + ", "
                    + s.kd() + ", " + s.kh() + ", " + s.kw() + ", " + s.icPerGroup() + "] needs " + s.weightElements());
        }
        if (biasLength >= 0 && biasLength != s.oc()) {
            throw new IllegalArgumentException("bias has " + biasLength + " elements, [Oc] needs " + s.oc());
        }
    }
}
