package dev.kiln.tconv;

/**
 * Conversions between ONNX's layouts and Kiln's channels-last ones, made once on the host at the API boundary
 * (when tensors are loaded), never inside a kernel: input and output {@code [N, C, D, H, W]} ↔
 * {@code [N, D, H, W, C]} (fewer spatial axes for 1-D and 2-D), ONNX weights {@code [Ic, Oc/group, kd, kh, kw]}
 * → Kiln's {@code [Oc, kd, kh, kw, Ic/group]}.
 */
public final class OnnxLayout {
    private OnnxLayout() {}

    /** ONNX input {@code [N, Ic, spatial…]} to Kiln's {@code [N, spatial…, Ic]}. */
    public static float[] inputToKiln(TConvSpec s, float[] nchw) {
        return toChannelsLast(nchw, s.n(), s.ic(), (long) s.id() * s.ih() * s.iw(), "input");
    }

    /** ONNX output {@code [N, Oc, spatial…]} to Kiln's {@code [N, spatial…, Oc]}. */
    public static float[] outputToKiln(TConvSpec s, float[] nchw) {
        return toChannelsLast(nchw, s.n(), s.oc(), (long) s.od() * s.oh() * s.ow(), "output");
    }

    /** Kiln's output {@code [N, spatial…, Oc]} to ONNX's {@code [N, Oc, spatial…]}. */
    public static float[] outputToOnnx(TConvSpec s, float[] nhwc) {
        return toChannelsFirst(nhwc, s.n(), s.oc(), (long) s.od() * s.oh() * s.ow(), "output");
    }

    /** Kiln's input {@code [N, spatial…, Ic]} to ONNX's {@code [N, Ic, spatial…]}. */
    public static float[] inputToOnnx(TConvSpec s, float[] nhwc) {
        return toChannelsFirst(nhwc, s.n(), s.ic(), (long) s.id() * s.ih() * s.iw(), "input");
    }

    /** ONNX weights {@code [Ic, Oc/group, taps…]} to Kiln's {@code [Oc, taps…, Ic/group]}. */
    public static float[] weightsToKiln(TConvSpec s, float[] onnx) {
        check("weights", onnx.length, s.weightElements());
        int taps = s.kd() * s.kh() * s.kw(), icg = s.icPerGroup(), ocg = s.ocPerGroup();
        float[] out = new float[onnx.length];
        for (int c = 0; c < s.ic(); c++) {
            int g = c / icg, ci = c % icg;
            for (int j = 0; j < ocg; j++) {
                int o = g * ocg + j;
                int src = (c * ocg + j) * taps, dst = o * taps * icg + ci;
                for (int t = 0; t < taps; t++) out[dst + t * icg] = onnx[src + t];
            }
        }
        return out;
    }

    /** Kiln's weights {@code [Oc, taps…, Ic/group]} to ONNX's {@code [Ic, Oc/group, taps…]}. */
    public static float[] weightsToOnnx(TConvSpec s, float[] kiln) {
        check("weights", kiln.length, s.weightElements());
        int taps = s.kd() * s.kh() * s.kw(), icg = s.icPerGroup(), ocg = s.ocPerGroup();
        float[] out = new float[kiln.length];
        for (int c = 0; c < s.ic(); c++) {
            int g = c / icg, ci = c % icg;
            for (int j = 0; j < ocg; j++) {
                int o = g * ocg + j;
                int dst = (c * ocg + j) * taps, src = o * taps * icg + ci;
                for (int t = 0; t < taps; t++) out[dst + t] = kiln[src + t * icg];
            }
        }
        return out;
    }

    /** The ONNX shape of the input, {@code [N, Ic, spatial…]}. */
    public static long[] inputShape(TConvSpec s) { return shape(s.n(), s.ic(), s.rank(), s.id(), s.ih(), s.iw()); }

    /** The ONNX shape of the output, {@code [N, Oc, spatial…]}. */
    public static long[] outputShape(TConvSpec s) { return shape(s.n(), s.oc(), s.rank(), s.od(), s.oh(), s.ow()); }

    /** The ONNX shape of the weights, {@code [Ic, Oc/group, k…]}. */
    public static long[] weightShape(TConvSpec s) { return shape(s.ic(), s.ocPerGroup(), s.rank(), s.kd(), s.kh(), s.kw()); }

    private static long[] shape(long a, long b, int rank, long d, long h, long w) {
        return switch (rank) {
            case 1 -> new long[]{a, b, w};
            case 2 -> new long[]{a, b, h, w};
            default -> new long[]{a, b, d, h, w};
        };
    }

    private static float[] toChannelsLast(float[] x, int n, int c, long spatial, String what) {
        check(what, x.length, n * c * spatial);
        float[] out = new float[x.length];
        int sp = (int) spatial;
        for (int b = 0; b < n; b++)
            for (int ch = 0; ch < c; ch++) {
                int src = (b * c + ch) * sp, dst = b * sp * c + ch;
                for (int p = 0; p < sp; p++) out[dst + p * c] = x[src + p];
            }
        return out;
    }

    private static float[] toChannelsFirst(float[] x, int n, int c, long spatial, String what) {
        check(what, x.length, n * c * spatial);
        float[] out = new float[x.length];
        int sp = (int) spatial;
        for (int b = 0; b < n; b++)
            for (int ch = 0; ch < c; ch++) {
                int dst = (b * c + ch) * sp, src = b * sp * c + ch;
                for (int p = 0; p < sp; p++) out[dst + p] = x[src + p * c];
            }
        return out;
    }

    private static void check(String what, long length, long needed) {
        if (length != needed) throw new IllegalArgumentException(what + " has " + length + " elements, the layer needs " + needed);
    }
}
