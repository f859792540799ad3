package dev.kiln.device.fpga;

/**
 * One image's int8 transposed convolution as the accelerator sees it: input {@code [Ih, Iw, Ic]}, weights
 * {@code [Oc, Kh, Kw, Ic]}, output {@code [Oh, Ow, Oc]}, the output's top/left crop ({@code pt, pl}; the
 * bottom/right crop is implied by {@code oh, ow}), and the zero points. Input pixel {@code (iy, ix)} with
 * tap {@code (ky, kx)} lands on output {@code (iy·sh − pt + ky, ix·sw − pl + kx)} when that is inside.
 */
public record Mm2imLayer(int ih, int iw, int ic, int oc, int kh, int kw, int sh, int sw, int pt, int pl, int oh, int ow,
                         int inputZeroPoint, int outputZeroPoint) {
    public Mm2imLayer {
        positive("ih", ih);
        positive("iw", iw);
        positive("ic", ic);
        positive("oc", oc);
        positive("kh", kh);
        positive("kw", kw);
        positive("sh", sh);
        positive("sw", sw);
        positive("oh", oh);
        positive("ow", ow);
        if (pt < 0) throw new IllegalArgumentException("pt must be >= 0, was " + pt);
        if (pl < 0) throw new IllegalArgumentException("pl must be >= 0, was " + pl);
        int8("inputZeroPoint", inputZeroPoint);
        int8("outputZeroPoint", outputZeroPoint);
    }

    public long inputBytes() { return (long) ih * iw * ic; }

    public long weightBytes() { return (long) oc * kh * kw * ic; }

    public long outputBytes() { return (long) oh * ow * oc; }

    /** Valid (input row, tap row) pairs: the rows of the compute map. */
    public long validTapRows() { return validTaps(ih, kh, sh, pt, oh); }

    public long validTapCols() { return validTaps(iw, kw, sw, pl, ow); }

    /** MACs that land inside the output (what MM2IM computes), per image. */
    public long effectiveMacs() { return validTapRows() * validTapCols() * ic * oc; }

    static long validTaps(int in, int k, int s, int padBefore, int out) {
        long count = 0;
        for (int i = 0; i < in; i++) count += validTapsAt(i, k, s, padBefore, out);
        return count;
    }

    /** Taps of input index {@code i} that land in {@code [0, out)}: the decoder's rectangle side. */
    static int validTapsAt(int i, int k, int s, int padBefore, int out) {
        long origin = (long) i * s - padBefore;
        long lo = Math.max(0, -origin), hi = Math.min(k, out - origin);
        return (int) Math.max(0, hi - lo);
    }

    private static void positive(String field, int v) {
        if (v < 1) throw new IllegalArgumentException(field + " must be >= 1, was " + v);
    }

    private static void int8(String field, int v) {
        if (v < -128 || v > 127) throw new IllegalArgumentException(field + " must be in [-128, 127], was " + v);
    }
}
