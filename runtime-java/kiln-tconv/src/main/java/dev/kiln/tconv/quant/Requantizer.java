package dev.kiln.tconv.quant;

/**
 * The int32 → int8 output stage of TFLite's int8 {@code TRANSPOSE_CONV}, per output channel {@code oc}:
 * {@code y = clamp(MultiplyByQuantizedMultiplier(acc, multiplier[oc], shift[oc]) + outputZeroPoint, −128, 127)},
 * where {@code acc = Σ (x − inputZeroPoint)·w + bias[oc]} over the taps that land in the output.
 * Kernels on every backend get {@link #multiplier()}, {@link #shift()} and the zero point and do exactly this.
 */
public record Requantizer(int[] multiplier, int[] shift, int outputZeroPoint, Rounding rounding) {
    public Requantizer {
        if (multiplier.length != shift.length) {
            throw new IllegalArgumentException("multiplier has " + multiplier.length + " channels, shift has " + shift.length);
        }
        if (outputZeroPoint < -128 || outputZeroPoint > 127) {
            throw new IllegalArgumentException("outputZeroPoint must be in [-128, 127], was " + outputZeroPoint);
        }
        multiplier = multiplier.clone();
        shift = shift.clone();
        for (int c = 0; c < multiplier.length; c++) {
            if (multiplier[c] < 0) throw new IllegalArgumentException("multiplier[" + c + "] must be >= 0, was " + multiplier[c]);
            int max = rounding == Rounding.SINGLE ? 30 : 31;
            if (shift[c] < -31 || shift[c] > max) {
                throw new IllegalArgumentException("shift[" + c + "] must be in [-31, " + max + "] for " + rounding + " rounding, was " + shift[c]);
            }
        }
    }

    @Override public int[] multiplier() { return multiplier.clone(); }

    @Override public int[] shift() { return shift.clone(); }

    public int channels() { return multiplier.length; }

    /** The int8 output for accumulator {@code acc} (bias included) of output channel {@code oc}. */
    public byte apply(int acc, int oc) {
        int y = rounding.multiply(acc, multiplier[oc], shift[oc]) + outputZeroPoint;
        return (byte) Math.max(-128, Math.min(127, y));
    }
}
