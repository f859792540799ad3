package dev.kiln.tconv;

/**
 * How a transposed convolution's output is cropped from the full scatter result.
 * {@link Same} and {@link Valid} follow TFLite's {@code TRANSPOSE_CONV}; {@link Explicit} gives the four
 * crops directly (ONNX {@code ConvTranspose} {@code pads} with no {@code output_padding}).
 */
public sealed interface Padding {
    /** TFLite SAME: {@code O = I·s}; total crop {@code max((ceil(O/s)−1)·s + K − O, 0)}, extra row/column bottom/right. */
    record Same() implements Padding {
        @Override public String toString() { return "same"; }
    }

    /** TFLite VALID: no crop, {@code O = (I−1)·s + K}. */
    record Valid() implements Padding {
        @Override public String toString() { return "valid"; }
    }

    /** Explicit crops: {@code O = (I−1)·s + K − top − bottom} (and the same across). */
    record Explicit(int top, int bottom, int left, int right) implements Padding {
        public Explicit {
            requireNonNegative("pt", top);
            requireNonNegative("pb", bottom);
            requireNonNegative("pl", left);
            requireNonNegative("pr", right);
        }

        private static void requireNonNegative(String field, int v) {
            if (v < 0) throw new IllegalArgumentException(field + " must be >= 0, was " + v);
        }

        @Override public String toString() { return "pt=" + top + ",pb=" + bottom + ",pl=" + left + ",pr=" + right; }
    }

    Padding SAME = new Same();
    Padding VALID = new Valid();

    static Padding explicit(int top, int bottom, int left, int right) { return new Explicit(top, bottom, left, right); }
}
