package dev.kiln.tconv.quant;

/**
 * A real multiplier {@code M_real ≈ multiplier · 2^(shift − 31)} as TFLite's {@code QuantizeMultiplier}
 * encodes it: {@code multiplier} is a Q31 fraction in {@code [2^30, 2^31)} (or 0), {@code shift} is the
 * power of two applied to it; positive means a left shift.
 */
public record QuantizedMultiplier(int multiplier, int shift) {
    public QuantizedMultiplier {
        if (multiplier < 0) throw new IllegalArgumentException("multiplier must be >= 0 (Q31, non-negative scales), was " + multiplier);
        if (shift < -31 || shift > 31) throw new IllegalArgumentException("shift must be in [-31, 31], was " + shift);
    }

    /**
     * TFLite {@code QuantizeMultiplier} (tensorflow/lite/kernels/internal/quantization_util.cc), step by step:
     * {@code q, shift = frexp(real)} with {@code q ∈ [0.5, 1)}; {@code q_fixed = round(q · 2^31)} with
     * round half away from zero ({@code TfLiteRound} = {@code std::round}); if {@code q_fixed == 2^31}
     * then halve it and increment {@code shift}; a shift below −31 flushes to (0, 0).
     * With {@code rounding == SINGLE} (TFLITE_SINGLE_ROUNDING) a shift above 30 saturates to
     * {@code (2^31 − 1, 30)}, because the single-rounding multiply cannot shift left by 31.
     */
    public static QuantizedMultiplier of(double real, Rounding rounding) {
        if (!(real >= 0) || Double.isInfinite(real)) {
            throw new IllegalArgumentException("real multiplier must be finite and >= 0, was " + real);
        }
        if (real == 0.0) return new QuantizedMultiplier(0, 0);
        int shift = frexpExponent(real);
        double q = Math.scalb(real, -shift);                      // in [0.5, 1)
        long qFixed = roundHalfAwayFromZero(q * (1L << 31));
        if (qFixed == (1L << 31)) {
            qFixed /= 2;
            shift++;
        }
        if (shift < -31) {
            shift = 0;
            qFixed = 0;
        }
        if (rounding == Rounding.SINGLE && shift > 30) {
            shift = 30;
            qFixed = (1L << 31) - 1;
        }
        if (shift > 31) throw new IllegalArgumentException("real multiplier " + real + " is too large: needs shift " + shift + " > 31");
        return new QuantizedMultiplier((int) qFixed, shift);
    }

    /** Default TFLite build (double rounding). */
    public static QuantizedMultiplier of(double real) { return of(real, Rounding.DOUBLE); }

    /** The real value this encodes: {@code multiplier · 2^(shift − 31)}. */
    public double real() { return Math.scalb((double) multiplier, shift - 31); }

    /** {@code e} of C's {@code frexp}: {@code x = q · 2^e} with {@code q ∈ [0.5, 1)}; exact for subnormals too. */
    static int frexpExponent(double x) {
        int e = Math.getExponent(x);
        if (e == Double.MIN_EXPONENT - 1) {                        // subnormal: normalise first
            return Math.getExponent(x * 0x1p54) - 54 + 1;
        }
        return e + 1;
    }

    /**
     * C's {@code std::round}: halves go away from zero. Not {@code floor(v + 0.5)}, which rounds
     * 0.49999999999999994 up; the fractional part {@code v − floor(v)} of a double is exact.
     */
    static long roundHalfAwayFromZero(double v) {
        if (v < 0) return -roundHalfAwayFromZero(-v);
        double f = Math.floor(v);
        return (long) f + (v - f >= 0.5 ? 1 : 0);
    }
}
