package dev.kiln.tconv;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * One transposed convolution with ONNX {@code ConvTranspose} semantics (PyTorch's ConvTranspose1d/2d/3d map
 * onto it), of which TFLite's {@code TRANSPOSE_CONV} is the 2-D, group-1, undilated case. Kiln's layouts are
 * channels-last: input {@code [N, Id, Ih, Iw, Ic]}, weights {@code [Oc, Kd, Kh, Kw, Ic/group]} (TFLite's OHWI
 * for 2-D), bias {@code [Oc]}, output {@code [N, Od, Oh, Ow, Oc]}; a 2-D layer has {@code Id = Kd = 1}, a 1-D
 * layer also {@code Ih = Kh = 1} (its one axis is the width). {@link OnnxLayout} converts ONNX's NC[D]HW
 * tensors and {@code [Ic, Oc/group, k…]} weights at the boundary.
 *
 * <p>Definition: input voxel {@code (iz, iy, ix)} and tap {@code (kz, ky, kx)} add
 * {@code x[n,iz,iy,ix,g·Icg…]·w[oc,kz,ky,kx,:]} (channels of the output channel's group {@code g}) into output
 * {@code (iz·sd − padFront + kz·dd, iy·sh − padTop + ky·dh, ix·sw − padLeft + kx·dw)} when that lies inside the
 * output; products outside are the cropped border.
 *
 * <p>{@link #parse} reads the command-line form, e.g. {@code ih=4,iw=4,ic=1024,oc=512,k=5,s=2,pad=same}.
 */
public record TConvSpec(int rank, int n, int id, int ih, int iw, int ic, int oc, int kd, int kh, int kw, int sd, int sh, int sw,
                        int dd, int dh, int dw, int group, Padding padding) {
    public TConvSpec {
        if (rank < 1 || rank > 3) throw new IllegalArgumentException("rank must be 1, 2 or 3 (spatial axes), was " + rank);
        positive("n", n);
        positive("id", id);
        positive("ih", ih);
        positive("iw", iw);
        positive("ic", ic);
        positive("oc", oc);
        positive("kd", kd);
        positive("kh", kh);
        positive("kw", kw);
        positive("sd", sd);
        positive("sh", sh);
        positive("sw", sw);
        positive("dd", dd);
        positive("dh", dh);
        positive("dw", dw);
        positive("group", group);
        if (padding == null) throw new IllegalArgumentException("padding must be same, valid or explicit, was null");
        if (ic % group != 0 || oc % group != 0) {
            throw new IllegalArgumentException("group=" + group + " must divide both ic=" + ic + " and oc=" + oc);
        }
        Padding.Explicit e = padding instanceof Padding.Explicit x ? x : null;
        if (rank < 3) {
            unused(rank, "id", id);
            unused(rank, "kd", kd);
            unused(rank, "sd", sd);
            unused(rank, "dd", dd);
            if (e != null) {
                unusedPad(rank, "pfront", e.front());
                unusedPad(rank, "pback", e.back());
                unusedPad(rank, "opd", e.opD());
            }
        }
        if (rank < 2) {
            unused(rank, "ih", ih);
            unused(rank, "kh", kh);
            unused(rank, "sh", sh);
            unused(rank, "dh", dh);
            if (e != null) {
                unusedPad(rank, "pt", e.top());
                unusedPad(rank, "pb", e.bottom());
                unusedPad(rank, "oph", e.opH());
            }
        }
        if (e != null) {
            outputPaddingFits("opd", e.opD(), "sd", sd, "dd", dd);
            outputPaddingFits("oph", e.opH(), "sh", sh, "dh", dh);
            outputPaddingFits("opw", e.opW(), "sw", sw, "dw", dw);
            croppedSizeFits("pfront+pback", e.front(), e.back(), e.opD(), id, kd, sd, dd, "od");
            croppedSizeFits("pt+pb", e.top(), e.bottom(), e.opH(), ih, kh, sh, dh, "oh");
            croppedSizeFits("pl+pr", e.left(), e.right(), e.opW(), iw, kw, sw, dw, "ow");
        }
        // Every tensor must be addressable by an int index (Java arrays, OpenCL/CUDA int indexing).
        fits("input n*id*ih*iw*ic", (long) n * id * ih * iw * ic);
        fits("weights oc*kd*kh*kw*(ic/group)", (long) oc * kd * kh * kw * (ic / group));
        long od = outSize(id, kd, sd, dd, padding, 0), oh = outSize(ih, kh, sh, dh, padding, 1), ow = outSize(iw, kw, sw, dw, padding, 2);
        fits("output n*od*oh*ow*oc", (long) n * od * oh * ow * oc);
    }

    /** A 2-D layer, group 1, no dilation: TFLite's {@code TRANSPOSE_CONV}. */
    public TConvSpec(int n, int ih, int iw, int ic, int oc, int kh, int kw, int sh, int sw, Padding padding) {
        this(2, n, 1, ih, iw, ic, oc, 1, kh, kw, 1, sh, sw, 1, 1, 1, 1, padding);
    }

    /** The model-layer form {@code [s, Oc, K, Ih, Iw, Ic]}, batch 1, SAME padding. */
    public static TConvSpec same(int s, int oc, int k, int ih, int iw, int ic) {
        return new TConvSpec(1, ih, iw, ic, oc, k, k, s, s, Padding.SAME);
    }

    public TConvSpec withBatch(int batch) {
        return new TConvSpec(rank, batch, id, ih, iw, ic, oc, kd, kh, kw, sd, sh, sw, dd, dh, dw, group, padding);
    }

    /** The subset TFLite's {@code TRANSPOSE_CONV} defines (and so its int8 semantics): 2-D, group 1, dilation 1. */
    public boolean isTfliteShaped() { return rank == 2 && group == 1 && dh == 1 && dw == 1; }

    /** Why TFLite's int8 semantics do not cover this layer, or null when they do. */
    public String int8Unsupported() {
        if (isTfliteShaped()) return null;
        return "int8 follows TFLite's TRANSPOSE_CONV, which defines 2-D, group 1, dilation 1 only; this layer has rank " + rank
                + ", group " + group + ", dilations " + (rank == 3 ? dd + "," : "") + (rank >= 2 ? dh + "," : "") + dw + " (use fp32)";
    }

    /** True when the layer is the 2-D, group-1, undilated, output-padding-free form every implementation covers. */
    public boolean isPlain2d() {
        return isTfliteShaped() && !(padding instanceof Padding.Explicit e && e.hasOutputPadding());
    }

    public int icPerGroup() { return ic / group; }

    public int ocPerGroup() { return oc / group; }

    public int od() { return (int) outSize(id, kd, sd, dd, padding, 0); }

    public int oh() { return (int) outSize(ih, kh, sh, dh, padding, 1); }

    public int ow() { return (int) outSize(iw, kw, sw, dw, padding, 2); }

    public int padFront() { return pads(id, kd, sd, dd, padding, 0)[0]; }

    public int padBack() { return pads(id, kd, sd, dd, padding, 0)[1]; }

    public int padTop() { return pads(ih, kh, sh, dh, padding, 1)[0]; }

    public int padBottom() { return pads(ih, kh, sh, dh, padding, 1)[1]; }

    public int padLeft() { return pads(iw, kw, sw, dw, padding, 2)[0]; }

    public int padRight() { return pads(iw, kw, sw, dw, padding, 2)[1]; }

    /**
     * Rows past the full scatter result at the end of an axis (0 depth, 1 height, 2 width): ONNX
     * {@code output_padding}, or TFLite SAME's extra rows when the kernel is shorter than the stride.
     */
    public int outputPadding(int axis) {
        int[] a = axis(axis);
        long full = (long) (a[0] - 1) * a[2] + (long) (a[1] - 1) * a[3] + 1;
        int[] p = pads(a[0], a[1], a[2], a[3], padding, axis);
        return (int) (outSize(a[0], a[1], a[2], a[3], padding, axis) - (full - p[0] - p[1]));
    }

    /** {in, k, stride, dilation} of axis 0 (depth), 1 (height) or 2 (width). */
    private int[] axis(int a) {
        return switch (a) {
            case 0 -> new int[]{id, kd, sd, dd};
            case 1 -> new int[]{ih, kh, sh, dh};
            default -> new int[]{iw, kw, sw, dw};
        };
    }

    public long inputElements() { return (long) n * id * ih * iw * ic; }

    public long weightElements() { return (long) oc * kd * kh * kw * icPerGroup(); }

    public long outputElements() { return (long) n * od() * oh() * ow() * oc; }

    /** MACs of the IOM formulation: every input voxel times every tap, cropped or not. */
    public long iomMacs() { return (long) n * id * ih * iw * kd * kh * kw * icPerGroup() * oc; }

    /** MACs that land inside the output: what MM2IM computes. */
    public long effectiveMacs() {
        return (long) n * validTaps(id, kd, sd, dd, padFront(), od()) * validTaps(ih, kh, sh, dh, padTop(), oh())
                * validTaps(iw, kw, sw, dw, padLeft(), ow()) * icPerGroup() * oc;
    }

    /** Share of IOM's MACs that fall in the cropped border (the paper's "ineffectual computations"). */
    public double ineffectualFraction() { return 1.0 - (double) effectiveMacs() / iomMacs(); }

    /** Pairs (input index, tap) whose output index is inside {@code [0, out)}; one axis of the compute map. */
    private static long validTaps(int in, int k, int s, int d, int padBefore, int out) {
        long count = 0;
        for (int i = 0; i < in; i++) {
            for (int t = 0; t < k; t++) {
                long o = (long) i * s - padBefore + (long) t * d;
                if (o >= 0 && o < out) count++;
            }
        }
        return count;
    }

    private static long outSize(int in, int k, int s, int d, Padding p, int axis) {
        long full = (long) (in - 1) * s + (long) (k - 1) * d + 1;
        return switch (p) {
            case Padding.Same x -> (long) in * s;
            case Padding.Valid x -> full;
            case Padding.Explicit e -> full - begin(e, axis) - end(e, axis) + extra(e, axis);
        };
    }

    /** TFLite ComputePaddingHeightWidth for transposed conv: total = max((ceil(O/s)−1)·s + K' − O, 0), extra after. */
    private static int[] pads(int in, int k, int s, int d, Padding p, int axis) {
        return switch (p) {
            case Padding.Same x -> {
                long out = (long) in * s, effK = (long) (k - 1) * d + 1;
                long total = Math.max((Math.ceilDiv(out, s) - 1) * s + effK - out, 0);
                yield new int[]{(int) (total / 2), (int) (total - total / 2)};
            }
            case Padding.Valid x -> new int[]{0, 0};
            case Padding.Explicit e -> new int[]{begin(e, axis), end(e, axis)};
        };
    }

    private static int begin(Padding.Explicit e, int axis) { return axis == 0 ? e.front() : axis == 1 ? e.top() : e.left(); }

    private static int end(Padding.Explicit e, int axis) { return axis == 0 ? e.back() : axis == 1 ? e.bottom() : e.right(); }

    private static int extra(Padding.Explicit e, int axis) { return axis == 0 ? e.opD() : axis == 1 ? e.opH() : e.opW(); }

    private static void positive(String field, int v) {
        if (v < 1) throw new IllegalArgumentException(field + " must be >= 1, was " + v);
    }

    private static void unused(int rank, String field, int v) {
        if (v != 1) throw new IllegalArgumentException(field + " must be 1 for a " + rank + "-D layer (that axis does not exist), was " + v);
    }

    private static void unusedPad(int rank, String field, int v) {
        if (v != 0) throw new IllegalArgumentException(field + " must be 0 for a " + rank + "-D layer (that axis does not exist), was " + v);
    }

    /** ONNX and PyTorch: output_padding must be smaller than the stride or the dilation of its axis. */
    private static void outputPaddingFits(String field, int op, String sName, int s, String dName, int d) {
        if (op > 0 && op >= s && op >= d) {
            throw new IllegalArgumentException(field + "=" + op + " must be < " + sName + "=" + s + " or < " + dName + "=" + d
                    + " (ONNX output_padding)");
        }
    }

    private static void croppedSizeFits(String what, int begin, int end, int op, int in, int k, int s, int d, String out) {
        long full = (long) (in - 1) * s + (long) (k - 1) * d + 1 + op;
        if (full - begin - end < 1) {
            throw new IllegalArgumentException(what + " must be < (in-1)*s+(k-1)*d+1+op = " + full + " so that " + out + " >= 1, was "
                    + begin + "+" + end);
        }
    }

    private static void fits(String what, long elements) {
        if (elements > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(what + " = " + elements + " elements, more than the " + Integer.MAX_VALUE + " allowed");
        }
    }

    /** Short human label: {@code 4x4x1024→8x8x512 k5 s2 same}; other ranks, groups and dilations say so. */
    public String label() {
        String in, out, k, s, d;
        switch (rank) {
            case 1 -> {
                in = iw + "x" + ic;
                out = ow() + "x" + oc;
                k = "k" + kw;
                s = "s" + sw;
                d = dw == 1 ? "" : " d" + dw;
            }
            case 3 -> {
                in = id + "x" + ih + "x" + iw + "x" + ic;
                out = od() + "x" + oh() + "x" + ow() + "x" + oc;
                k = kd == kh && kh == kw ? "k" + kh : "k" + kd + "x" + kh + "x" + kw;
                s = sd == sh && sh == sw ? "s" + sh : "s" + sd + "x" + sh + "x" + sw;
                d = dd == 1 && dh == 1 && dw == 1 ? "" : dd == dh && dh == dw ? " d" + dh : " d" + dd + "x" + dh + "x" + dw;
            }
            default -> {
                in = ih + "x" + iw + "x" + ic;
                out = oh() + "x" + ow() + "x" + oc;
                k = kh == kw ? "k" + kh : "k" + kh + "x" + kw;
                s = sh == sw ? "s" + sh : "s" + sh + "x" + sw;
                d = dh == 1 && dw == 1 ? "" : dh == dw ? " d" + dh : " d" + dh + "x" + dw;
            }
        }
        String pad = padding instanceof Padding.Explicit e ? "pads " + padsLabel() + (e.hasOutputPadding() ? " op " + opLabel() : "") : padding.toString();
        return (rank != 2 ? rank + "D " : "") + (n > 1 ? n + "×" : "") + in + "→" + out + " " + k + " " + s + d
                + (group > 1 ? " g" + group : "") + " " + pad;
    }

    private String padsLabel() {
        return switch (rank) {
            case 1 -> padLeft() + "," + padRight();
            case 3 -> padFront() + "," + padBack() + "," + padTop() + "," + padBottom() + "," + padLeft() + "," + padRight();
            default -> padTop() + "," + padBottom() + "," + padLeft() + "," + padRight();
        };
    }

    private String opLabel() {
        return switch (rank) {
            case 1 -> "" + outputPadding(2);
            case 3 -> outputPadding(0) + "," + outputPadding(1) + "," + outputPadding(2);
            default -> outputPadding(1) + "," + outputPadding(2);
        };
    }

    /** The canonical command-line form, which {@link #parse} reads back (unchanged for TFLite-shaped layers). */
    @Override
    public String toString() {
        String pad = padding instanceof Padding.Explicit e ? e.toString() : "pad=" + padding;
        StringBuilder b = new StringBuilder();
        if (rank != 2) b.append("rank=").append(rank).append(',');
        b.append("n=").append(n);
        if (rank == 3) b.append(",id=").append(id);
        if (rank >= 2) b.append(",ih=").append(ih);
        b.append(",iw=").append(iw).append(",ic=").append(ic).append(",oc=").append(oc);
        if (rank == 3) b.append(",kd=").append(kd);
        if (rank >= 2) b.append(",kh=").append(kh);
        b.append(",kw=").append(kw);
        if (rank == 3) b.append(",sd=").append(sd);
        if (rank >= 2) b.append(",sh=").append(sh);
        b.append(",sw=").append(sw);
        if (rank == 3 && dd != 1) b.append(",dd=").append(dd);
        if (rank >= 2 && dh != 1) b.append(",dh=").append(dh);
        if (dw != 1) b.append(",dw=").append(dw);
        if (group != 1) b.append(",g=").append(group);
        return b.append(',').append(pad).toString();
    }

    private static final Set<String> KEYS = Set.of("rank", "n", "id", "ih", "iw", "i", "ic", "oc", "k", "kd", "kh", "kw", "s", "sd", "sh", "sw",
            "d", "dd", "dh", "dw", "g", "group", "pad", "pfront", "pback", "pt", "pb", "pl", "pr", "op", "opd", "oph", "opw");
    private static final Set<String> DEPTH_KEYS = Set.of("id", "kd", "sd", "dd", "pfront", "pback", "opd");

    /**
     * Parses {@code key=value} pairs separated by commas. Keys: {@code rank} (1, 2 or 3; default 3 when a depth
     * key is present, else 2), {@code n} (default 1), sizes {@code id, ih, iw} (or {@code i} for all axes),
     * {@code ic, oc}, kernel {@code kd, kh, kw} (or {@code k}), strides {@code sd, sh, sw} (or {@code s}),
     * dilations {@code dd, dh, dw} (or {@code d}, default 1), {@code g} or {@code group} (default 1),
     * {@code pad=same|valid} (default same), or explicit crops {@code pfront, pback, pt, pb, pl, pr} and ONNX
     * output padding {@code opd, oph, opw} (or {@code op}); missing ones are 0. A 1-D layer's axis is the width.
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
                throw new IllegalArgumentException("layer spec key '" + key + "' is unknown; allowed: " + String.join(", ", KEYS.stream().sorted().toList()));
            }
            if (kv.put(key, p.substring(eq + 1).strip()) != null) throw new IllegalArgumentException("layer spec key '" + key + "' given twice");
        }
        boolean depth = kv.keySet().stream().anyMatch(DEPTH_KEYS::contains);
        int rank = intOf(kv, "rank", null, depth ? 3 : 2);
        if (rank < 1 || rank > 3) throw new IllegalArgumentException("rank must be 1, 2 or 3, was " + rank);
        int n = intOf(kv, "n", null, 1);
        int id = rank == 3 ? intOf(kv, "id", "i", null) : intOf(kv, "id", null, 1);
        int ih = rank >= 2 ? intOf(kv, "ih", "i", null) : intOf(kv, "ih", null, 1);
        int iw = intOf(kv, "iw", "i", null);
        int ic = intOf(kv, "ic", null, null), oc = intOf(kv, "oc", null, null);
        int kd = rank == 3 ? intOf(kv, "kd", "k", null) : intOf(kv, "kd", null, 1);
        int kh = rank >= 2 ? intOf(kv, "kh", "k", null) : intOf(kv, "kh", null, 1);
        int kw = intOf(kv, "kw", "k", null);
        int sd = intOf(kv, "sd", rank == 3 ? "s" : null, 1), sh = intOf(kv, "sh", rank >= 2 ? "s" : null, 1), sw = intOf(kv, "sw", "s", 1);
        int dd = intOf(kv, "dd", rank == 3 ? "d" : null, 1), dh = intOf(kv, "dh", rank >= 2 ? "d" : null, 1), dw = intOf(kv, "dw", "d", 1);
        int group = kv.containsKey("g") && kv.containsKey("group") ? fail("give g or group, not both") : intOf(kv, "g", "group", 1);
        boolean explicit = kv.keySet().stream().anyMatch(k -> k.startsWith("p") && !k.equals("pad") || k.startsWith("op"));
        String pad = kv.getOrDefault("pad", explicit ? "explicit" : "same").toLowerCase(Locale.ROOT);
        Padding padding = switch (pad) {
            case "same" -> Padding.SAME;
            case "valid" -> Padding.VALID;
            case "explicit" -> new Padding.Explicit(intOf(kv, "pfront", null, 0), intOf(kv, "pback", null, 0),
                    intOf(kv, "pt", null, 0), intOf(kv, "pb", null, 0), intOf(kv, "pl", null, 0), intOf(kv, "pr", null, 0),
                    intOf(kv, "opd", rank == 3 ? "op" : null, 0), intOf(kv, "oph", rank >= 2 ? "op" : null, 0), intOf(kv, "opw", "op", 0));
            default -> throw new IllegalArgumentException("pad must be same, valid or explicit, was '" + pad + "'");
        };
        if (explicit && !pad.equals("explicit")) {
            throw new IllegalArgumentException("pfront/pback/pt/pb/pl/pr/op* give explicit padding; they cannot be combined with pad=" + pad);
        }
        return new TConvSpec(rank, n, id, ih, iw, ic, oc, kd, kh, kw, sd, sh, sw, dd, dh, dw, group, padding);
    }

    private static int fail(String message) { throw new IllegalArgumentException(message); }

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

    /** Builds a layer axis by axis in ONNX's order (depth, height, width for 3-D; height, width; width). */
    public static Builder builder(int rank) { return new Builder(rank); }

    public static final class Builder {
        private final int rank;
        private int n = 1, ic = 1, oc = 1, group = 1;
        private final int[] in = {1, 1, 1}, k = {1, 1, 1}, s = {1, 1, 1}, d = {1, 1, 1};
        private Padding padding = Padding.VALID;

        private Builder(int rank) {
            if (rank < 1 || rank > 3) throw new IllegalArgumentException("rank must be 1, 2 or 3 (spatial axes), was " + rank);
            this.rank = rank;
        }

        public Builder batch(int v) { n = v; return this; }

        public Builder channels(int inputChannels, int outputChannels) { ic = inputChannels; oc = outputChannels; return this; }

        public Builder group(int v) { group = v; return this; }

        public Builder input(int... sizes) { return axes("input sizes", in, sizes); }

        public Builder kernel(int... sizes) { return axes("kernel_shape", k, sizes); }

        public Builder strides(int... sizes) { return axes("strides", s, sizes); }

        public Builder dilations(int... sizes) { return axes("dilations", d, sizes); }

        public Builder padding(Padding p) { padding = p; return this; }

        /** ONNX {@code pads} ({@code [begin…, end…]}) and {@code output_padding}, {@code rank} values each. */
        public Builder pads(int[] beginEnd, int[] outputPadding) {
            if (beginEnd.length != 2 * rank) throw new IllegalArgumentException("pads needs " + 2 * rank + " values for a " + rank + "-D layer, got " + beginEnd.length);
            if (outputPadding.length != rank) throw new IllegalArgumentException("output_padding needs " + rank + " values for a " + rank + "-D layer, got " + outputPadding.length);
            int[] b = {0, 0, 0}, e = {0, 0, 0}, op = {0, 0, 0};
            for (int a = 0; a < rank; a++) {
                b[3 - rank + a] = beginEnd[a];
                e[3 - rank + a] = beginEnd[rank + a];
                op[3 - rank + a] = outputPadding[a];
            }
            padding = new Padding.Explicit(b[0], e[0], b[1], e[1], b[2], e[2], op[0], op[1], op[2]);
            return this;
        }

        private Builder axes(String what, int[] target, int[] values) {
            if (values.length != rank) throw new IllegalArgumentException(what + " needs " + rank + " values for a " + rank + "-D layer, got " + values.length);
            System.arraycopy(values, 0, target, 3 - rank, rank);
            return this;
        }

        public TConvSpec build() {
            return new TConvSpec(rank, n, in[0], in[1], in[2], ic, oc, k[0], k[1], k[2], s[0], s[1], s[2], d[0], d[1], d[2], group, padding);
        }
    }
}
