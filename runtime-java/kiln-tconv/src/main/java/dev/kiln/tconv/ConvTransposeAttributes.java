package dev.kiln.tconv;

import java.util.Arrays;
import java.util.Locale;

/**
 * The attributes of one ONNX {@code ConvTranspose} node, as the node (or a user) gives them; absent ones are
 * null. {@link #spec} resolves them against the input and weight shapes into a {@link TConvSpec} following the
 * operator's definition: {@code output_shape} or {@code auto_pad} SAME_* fix the output size and the total
 * padding {@code s·(I−1) + output_padding + (K−1)·d + 1 − O}, which SAME_UPPER splits with the smaller half at
 * the start and NOTSET / SAME_LOWER with the larger half at the start; a negative end becomes extra output
 * rows (as ONNX Runtime and the reference implementation produce them).
 */
public record ConvTransposeAttributes(String autoPad, int[] dilations, Integer group, int[] kernelShape, int[] outputPadding,
                                      int[] outputShape, int[] pads, int[] strides) {
    public ConvTransposeAttributes {
        if (autoPad != null) {
            autoPad = autoPad.toUpperCase(Locale.ROOT);
            if (!Arrays.asList("NOTSET", "SAME_UPPER", "SAME_LOWER", "VALID").contains(autoPad)) {
                throw new IllegalArgumentException("auto_pad must be NOTSET, SAME_UPPER, SAME_LOWER or VALID, was '" + autoPad + "'");
            }
        }
    }

    /** No attribute set: stride 1, no padding, group 1, the kernel shape from the weights. */
    public static ConvTransposeAttributes defaults() { return new ConvTransposeAttributes(null, null, null, null, null, null, null, null); }

    /**
     * @param xShape input shape {@code [N, Ic, spatial…]} (1 to 3 spatial axes)
     * @param wShape weight shape {@code [Ic, Oc/group, k…]}
     */
    public TConvSpec spec(long[] xShape, long[] wShape) {
        int rank = xShape.length - 2;
        if (rank < 1 || rank > 3) throw new IllegalArgumentException("input X must have 3 to 5 dimensions [N, C, spatial…], has " + xShape.length + ": " + Arrays.toString(xShape));
        if (wShape.length != xShape.length) {
            throw new IllegalArgumentException("weights W must have " + xShape.length + " dimensions like X, has " + wShape.length + ": " + Arrays.toString(wShape));
        }
        int g = group == null ? 1 : group;
        if (g < 1) throw new IllegalArgumentException("group must be >= 1, was " + g);
        if (wShape[0] != xShape[1]) throw new IllegalArgumentException("W's first dimension (" + wShape[0] + ") must equal X's channels C=" + xShape[1]);
        int[] in = new int[rank], k = new int[rank];
        for (int a = 0; a < rank; a++) {
            in[a] = toInt("input size", xShape[2 + a]);
            k[a] = toInt("kernel size", wShape[2 + a]);
        }
        if (kernelShape != null) {
            check("kernel_shape", kernelShape, rank);
            for (int a = 0; a < rank; a++) {
                if (kernelShape[a] != k[a]) throw new IllegalArgumentException("kernel_shape " + Arrays.toString(kernelShape) + " disagrees with W's shape " + Arrays.toString(wShape));
            }
        }
        int[] s = orOnes(strides, "strides", rank), d = orOnes(dilations, "dilations", rank);
        int[] op = outputPadding == null ? new int[rank] : check("output_padding", outputPadding, rank);
        String mode = autoPad == null ? "NOTSET" : autoPad;
        if (pads != null && !mode.equals("NOTSET")) throw new IllegalArgumentException("pads cannot be combined with auto_pad=" + mode);
        int[] beginEnd = new int[2 * rank], extra = op.clone();
        int[] target = null;
        if (outputShape != null) {
            if (outputShape.length != rank && outputShape.length != rank + 2) {
                throw new IllegalArgumentException("output_shape needs " + rank + " values, got " + outputShape.length);
            }
            target = Arrays.copyOfRange(outputShape, outputShape.length - rank, outputShape.length);
        } else if (mode.startsWith("SAME")) {
            target = new int[rank];
            for (int a = 0; a < rank; a++) target[a] = Math.multiplyExact(in[a], s[a]);
        }
        if (target != null) {
            for (int a = 0; a < rank; a++) {
                if (target[a] < 1) throw new IllegalArgumentException("output_shape must be >= 1 per axis, was " + Arrays.toString(target));
                long total = (long) s[a] * (in[a] - 1) + op[a] + (long) (k[a] - 1) * d[a] + 1 - target[a];
                long small = Math.floorDiv(total, 2), large = total - small;
                long begin = mode.equals("SAME_UPPER") ? small : large, end = total - begin;
                if (begin < 0) {
                    throw new IllegalArgumentException("output size " + target[a] + " on axis " + a + " would need " + (-begin)
                            + " output rows before the first input's taps; Kiln supports extra rows at the end only");
                }
                if (end < 0) {
                    extra[a] = toInt("output padding", op[a] - end);
                    end = 0;
                }
                beginEnd[a] = (int) begin;
                beginEnd[rank + a] = (int) end;
            }
        } else if (pads != null) {
            check("pads", pads, 2 * rank);
            System.arraycopy(pads, 0, beginEnd, 0, 2 * rank);
        }
        TConvSpec.Builder b = TConvSpec.builder(rank).batch(toInt("batch", xShape[0]))
                .channels(toInt("input channels", xShape[1]), Math.multiplyExact(toInt("W's output channels", wShape[1]), g))
                .group(g).input(in).kernel(k).strides(s).dilations(d);
        return b.pads(beginEnd, extra).build();
    }

    private static int[] orOnes(int[] v, String name, int rank) {
        if (v == null) {
            int[] ones = new int[rank];
            Arrays.fill(ones, 1);
            return ones;
        }
        return check(name, v, rank);
    }

    private static int[] check(String name, int[] v, int n) {
        if (v.length != n) throw new IllegalArgumentException(name + " needs " + n + " values, got " + v.length + ": " + Arrays.toString(v));
        return v;
    }

    private static int toInt(String what, long v) {
        if (v < 0 || v > Integer.MAX_VALUE) throw new IllegalArgumentException(what + " must be in [0, " + Integer.MAX_VALUE + "], was " + v);
        return (int) v;
    }

    @Override
    public String toString() {
        return "ConvTranspose(auto_pad=" + autoPad + ", dilations=" + Arrays.toString(dilations) + ", group=" + group + ", kernel_shape="
                + Arrays.toString(kernelShape) + ", output_padding=" + Arrays.toString(outputPadding) + ", output_shape="
                + Arrays.toString(outputShape) + ", pads=" + Arrays.toString(pads) + ", strides=" + Arrays.toString(strides) + ")";
    }
}
