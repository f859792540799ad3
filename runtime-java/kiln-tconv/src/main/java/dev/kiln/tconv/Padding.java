package dev.kiln.tconv;

/**
 * How a transposed convolution's output is cut from the full scatter result, per spatial axis.
 * {@link Same} and {@link Valid} follow TFLite's {@code TRANSPOSE_CONV}; {@link Explicit} is ONNX
 * {@code ConvTranspose}'s {@code pads} (crops at the start and end of each axis) plus its
 * {@code output_padding} (extra rows, columns or slices added at the end, which receive only the taps that
 * reach them and the bias).
 */
public sealed interface Padding {
    /** TFLite SAME: {@code O = I·s}; total crop {@code max((ceil(O/s)−1)·s + K' − O, 0)}, extra row/column bottom/right. */
    record Same() implements Padding {
        @Override public String toString() { return "same"; }
    }

    /** TFLite VALID: no crop, {@code O = (I−1)·s + K'} with the dilated kernel extent {@code K' = (K−1)·d + 1}. */
    record Valid() implements Padding {
        @Override public String toString() { return "valid"; }
    }

    /**
     * Explicit crops and ONNX {@code output_padding}: {@code O = (I−1)·s + K' − begin − end + outputPadding} per
     * axis. Depth (front/back/{@code opD}) is used by 3-D layers only, height by 2-D and 3-D.
     */
    record Explicit(int front, int back, int top, int bottom, int left, int right, int opD, int opH, int opW) implements Padding {
        public Explicit {
            requireNonNegative("pfront", front);
            requireNonNegative("pback", back);
            requireNonNegative("pt", top);
            requireNonNegative("pb", bottom);
            requireNonNegative("pl", left);
            requireNonNegative("pr", right);
            requireNonNegative("opd", opD);
            requireNonNegative("oph", opH);
            requireNonNegative("opw", opW);
        }

        /** 2-D crops, no output padding (the form TFLite-shaped layers use). */
        public Explicit(int top, int bottom, int left, int right) { this(0, 0, top, bottom, left, right, 0, 0, 0); }

        private static void requireNonNegative(String field, int v) {
            if (v < 0) throw new IllegalArgumentException(field + " must be >= 0, was " + v);
        }

        boolean hasOutputPadding() { return opD != 0 || opH != 0 || opW != 0; }

        @Override
        public String toString() {
            StringBuilder b = new StringBuilder();
            if (front != 0 || back != 0) b.append("pfront=").append(front).append(",pback=").append(back).append(',');
            b.append("pt=").append(top).append(",pb=").append(bottom).append(",pl=").append(left).append(",pr=").append(right);
            if (opD != 0) b.append(",opd=").append(opD);
            if (opH != 0) b.append(",oph=").append(opH);
            if (opW != 0) b.append(",opw=").append(opW);
            return b.toString();
        }
    }

    Padding SAME = new Same();
    Padding VALID = new Valid();

    static Padding explicit(int top, int bottom, int left, int right) { return new Explicit(top, bottom, left, right); }
}
