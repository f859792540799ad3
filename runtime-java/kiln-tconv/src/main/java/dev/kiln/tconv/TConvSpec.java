package dev.kiln.tconv;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * One transposed convolution (TFLite {@code TRANSPOSE_CONV}, ONNX {@code ConvTranspose} with group 1 and
 * no dilation). Layouts: input {@code [N, Ih, Iw, Ic]}, weights {@code [Oc, Kh, Kw, Ic]} (TFLite's OHWI),
 * bias {@code [Oc]}, output {@code [N, Oh, Ow, Oc]}.
 *
 * <p>Definition: input pixel {@code (iy, ix)} and tap {@code (ky, kx)} add
 * {@code x[n,iy,ix,:]·w[oc,ky,kx,:]} into output {@code (oy, ox) = (iy·sh − padTop + ky, ix·sw − padLeft + kx)}
 * when that lies inside {@code [0, Oh) × [0, Ow)}; products outside are the cropped border.
 *
 * <p>{@link #parse} reads the command-line form, e.g. {@code ih=4,iw=4,ic=1024,oc=512,k=5,s=2,pad=same}.
 */
public record TConvSpec(int n, int ih, int iw, int ic, int oc, int kh, int kw, int sh, int sw, Padding padding) {
    public TConvSpec {
        positive("n", n);
        positive("ih", ih);
        positive("iw", iw);
        positive("ic", ic);
        positive("oc", oc);
        positive("kh", kh);
        positive("kw", kw);
        positive("sh", sh);
        positive("sw", sw);
        if (padding == null) throw new IllegalArgumentException("padding must be same, valid or explicit, was null");
        if (padding instanceof Padding.Explicit e) {
            long fullH = (long) (ih - 1) * sh + kh, fullW = (long) (iw - 1) * sw + kw;
            if (fullH - e.top() - e.bottom() < 1) {
                throw new IllegalArgumentException("pt+pb must be < (ih-1)*sh+kh = " + fullH + " so that oh >= 1, was "
                        + e.top() + "+" + e.bottom());
            }
            if (fullW - e.left() - e.right() < 1) {
                throw new IllegalArgumentException("pl+pr must be < (iw-1)*sw+kw = " + fullW + " so that ow >= 1, was "
                        + e.left() + "+" + e.right());
            }
        }
        // Every tensor must be addressable by an int index (Java arrays, OpenCL/CUDA int indexing).
        fits("input n*ih*iw*ic", (long) n * ih * iw * ic);
        fits("weights oc*kh*kw*ic", (long) oc * kh * kw * ic);
        long oh = outSize(ih, kh, sh, padding, true), ow = outSize(iw, kw, sw, padding, false);
        fits("output n*oh*ow*oc", (long) n * oh * ow * oc);
    }

    /** The model-layer form {@code [s, Oc, K, Ih, Iw, Ic]}, batch 1, SAME padding. */
    public static TConvSpec same(int s, int oc, int k, int ih, int iw, int ic) {
        return new TConvSpec(1, ih, iw, ic, oc, k, k, s, s, Padding.SAME);
    }

    public TConvSpec withBatch(int batch) {
        return new TConvSpec(batch, ih, iw, ic, oc, kh, kw, sh, sw, padding);
    }

    public int oh() { return (int) outSize(ih, kh, sh, padding, true); }

    public int ow() { return (int) outSize(iw, kw, sw, padding, false); }

    public int padTop() { return pads(ih, kh, sh, padding, true)[0]; }

    public int padBottom() { return pads(ih, kh, sh, padding, true)[1]; }

    public int padLeft() { return pads(iw, kw, sw, padding, false)[0]; }

    public int padRight() { return pads(iw, kw, sw, padding, false)[1]; }

    public long inputElements() { return (long) n * ih * iw * ic; }

    public long weightElements() { return (long) oc * kh * kw * ic; }

    public long outputElements() { return (long) n * oh() * ow() * oc; }

    /** MACs of the IOM formulation: every input pixel times every tap, cropped or not. */
    public long iomMacs() { return (long) n * ih * iw * kh * kw * ic * oc; }

    /** MACs that land inside the output: what MM2IM computes. */
    public long effectiveMacs() {
        return (long) n * validTaps(ih, kh, sh, padTop(), oh()) * validTaps(iw, kw, sw, padLeft(), ow()) * ic * oc;
    }

    /** Share of IOM's MACs that fall in the cropped border (the paper's "ineffectual computations"). */
    public double ineffectualFraction() { return 1.0 - (double) effectiveMacs() / iomMacs(); }

    /** Pairs (input row, tap row) whose output row is inside {@code [0, out)}; one dimension of the compute map. */
    private static long validTaps(int in, int k, int s, int padBefore, int out) {
        long count = 0;
        for (int i = 0; i < in; i++) {
            int first = Math.max(0, padBefore - i * s), last = Math.min(k, out + padBefore - i * s);
            count += Math.max(0, last - first);
        }
        return count;
    }

    private static long outSize(int in, int k, int s, Padding p, boolean vertical) {
        return switch (p) {
            case Padding.Same x -> (long) in * s;
            case Padding.Valid x -> (long) (in - 1) * s + k;
            case Padding.Explicit e -> (long) (in - 1) * s + k - (vertical ? e.top() + e.bottom() : e.left() + e.right());
        };
    }

    /** TFLite ComputePaddingHeightWidth for transposed conv: total = max((ceil(O/s)−1)·s + K − O, 0), extra after. */
    private static int[] pads(int in, int k, int s, Padding p, boolean vertical) {
        return switch (p) {
            case Padding.Same x -> {
                long out = (long) in * s;
                long total = Math.max((Math.ceilDiv(out, s) - 1) * s + k - out, 0);
                yield new int[]{(int) (total / 2), (int) (total - total / 2)};
            }
            case Padding.Valid x -> new int[]{0, 0};
            case Padding.Explicit e -> vertical ? new int[]{e.top(), e.bottom()} : new int[]{e.left(), e.right()};
        };
    }

    private static void positive(String field, int v) {
        if (v < 1) throw new IllegalArgumentException(field + " must be >= 1, was " + v);
    }

    private static void fits(String what, long elements) {
        if (elements > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(what + " = " + elements + " elements, more than the " + Integer.MAX_VALUE + " allowed");
        }
    }

    /** Short human label: {@code 4x4x1024→8x8x512 k5 s2 same}. */
    public String label() {
        String k = kh == kw ? "k" + kh : "k" + kh + "x" + kw;
        String s = sh == sw ? "s" + sh : "s" + sh + "x" + sw;
        return (n > 1 ? n + "×" : "") + ih + "x" + iw + "x" + ic + "→" + oh() + "x" + ow() + "x" + oc + " " + k + " " + s
                + " " + (padding instanceof Padding.Explicit ? "pads " + padTop() + "," + padBottom() + "," + padLeft() + "," + padRight() : padding);
    }

    /** The canonical command-line form, which {@link #parse} reads back. */
    @Override
    public String toString() {
        String pad = padding instanceof Padding.Explicit e ? e.toString() : "pad=" + padding;
        return "n=" + n + ",ih=" + ih + ",iw=" + iw + ",ic=" + ic + ",oc=" + oc + ",kh=" + kh + ",kw=" + kw
                + ",sh=" + sh + ",sw=" + sw + "," + pad;
    }

    private static final Set<String> KEYS = Set.of("n", "ih", "iw", "i", "ic", "oc", "k", "kh", "kw", "s", "sh", "sw",
            "pad", "pt", "pb", "pl", "pr");

    /**
     * Parses {@code key=value} pairs separated by commas. Keys: {@code n} (default 1), {@code ih, iw} (or
     * {@code i} for both), {@code ic, oc}, {@code kh, kw} (or {@code k}), {@code sh, sw} (or {@code s}),
     * {@code pad=same|valid} (default same), or explicit crops {@code pt, pb, pl, pr} (missing ones are 0).
     */
    public static TConvSpec parse(String text) {
        Map<String, String> kv = new LinkedHashMap<>();
        for (String part : text.split(",")) {
            String p = part.strip();
            if (p.isEmpty()) continue;
            int eq = p.indexOf('=');
            if (eq < 0) throw new IllegalArgumentException("layer spec part '" + p + "' is not key=value (in '" + text + "')");
            String key = p.substring(0, eq).strip().toLowerCase(Locale.ROOT);
            if (!KEYS.contains(key)) {
                throw new IllegalArgumentException("layer spec key '" + key + "' is unknown; allowed: n, ih, iw, i, ic, oc, k, kh, kw, s, sh, sw, pad, pt, pb, pl, pr");
            }
            if (kv.put(key, p.substring(eq + 1).strip()) != null) throw new IllegalArgumentException("layer spec key '" + key + "' given twice");
        }
        int n = intOf(kv, "n", null, 1);
        int ih = intOf(kv, "ih", "i", null), iw = intOf(kv, "iw", "i", null);
        int ic = intOf(kv, "ic", null, null), oc = intOf(kv, "oc", null, null);
        int kh = intOf(kv, "kh", "k", null), kw = intOf(kv, "kw", "k", null);
        int sh = intOf(kv, "sh", "s", 1), sw = intOf(kv, "sw", "s", 1);
        boolean explicit = kv.containsKey("pt") || kv.containsKey("pb") || kv.containsKey("pl") || kv.containsKey("pr");
        String pad = kv.getOrDefault("pad", explicit ? "explicit" : "same").toLowerCase(Locale.ROOT);
        Padding padding = switch (pad) {
            case "same" -> Padding.SAME;
            case "valid" -> Padding.VALID;
            case "explicit" -> Padding.explicit(intOf(kv, "pt", null, 0), intOf(kv, "pb", null, 0),
                    intOf(kv, "pl", null, 0), intOf(kv, "pr", null, 0));
            default -> throw new IllegalArgumentException("pad must be same, valid or explicit, was '" + pad + "'");
        };
        if (explicit && !pad.equals("explicit")) {
            throw new IllegalArgumentException("pt/pb/pl/pr give explicit padding; they cannot be combined with pad=" + pad);
        }
        return new TConvSpec(n, ih, iw, ic, oc, kh, kw, sh, sw, padding);
    }

    private static int intOf(Map<String, String> kv, String key, String shorthand, Integer fallback) {
        String v = kv.get(key);
        if (v == null && shorthand != null) v = kv.get(shorthand);
        if (v == null) {
            if (fallback != null) return fallback;
            throw new IllegalArgumentException("layer spec needs " + key + (shorthand != null ? " (or " + shorthand + ")" : ""));
        }
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + " must be an integer, was '" + v + "'");
        }
    }
}
