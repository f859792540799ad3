package dev.kiln.tconv.quant;

import java.util.Locale;

/**
 * TFLite's {@code MultiplyByQuantizedMultiplier(x, M, shift)}: {@code x · M · 2^(shift − 31)} rounded to an
 * int32, in one of the two ways TFLite builds it. {@code shift} is TFLite's: positive shifts left.
 *
 * <h2>Sign handling (the two modes differ only on exact ties)</h2>
 * <ul>
 * <li>{@link #DOUBLE} (gemmlowp, TFLite's default), two roundings:
 *     <ol>
 *     <li>{@code SaturatingRoundingDoublingHighMul(x·2^max(shift,0), M)} = {@code (x·M + nudge) / 2^31} in int64
 *         with C's truncating division, {@code nudge = 2^30} if {@code x·M ≥ 0} else {@code 1 − 2^30}: round to
 *         nearest with ties toward <em>+∞</em> ({@code +0.5 → 1}, {@code −0.5 → 0}, {@code −1.5 → −1}); the one
 *         overflow, {@code x = M = INT32_MIN}, saturates to {@code INT32_MAX}. The left shift {@code x·2^shift}
 *         is an int32 product that wraps on overflow, as TFLite compiles it.</li>
 *     <li>{@code RoundingDivideByPOT(·, max(−shift,0))}: round to nearest with ties <em>away from zero</em>
 *         (remainder compared with {@code mask/2}, plus 1 for negatives).</li>
 *     </ol>
 *     The first rounding can move a value just off a tie onto one, which the second then rounds again.</li>
 * <li>{@link #SINGLE} ({@code TFLITE_SINGLE_ROUNDING}, the FPGA's PPU): {@code (x·M + 2^(30−shift)) >> (31−shift)}
 *     in int64 with an <em>arithmetic</em> (flooring) right shift, so ties round toward <em>+∞</em>:
 *     {@code +2.5 → 3} but {@code −2.5 → −2}. Needs {@code shift ≤ 30} (see {@link QuantizedMultiplier#of}).</li>
 * </ul>
 * Example, {@code M = 2^30} (0.5), {@code shift = −1} (so ×0.25): {@code x = −10} gives exactly −2.5;
 * DOUBLE: {@code SRDHM(−10, 2^30) = −5} exactly, then {@code RDBPOT(−5, 1) = −3}; SINGLE: {@code (−10·2^30 + 2^31) >> 32 = −2}.
 */
public enum Rounding {
    DOUBLE {
        @Override
        public int multiply(int x, int multiplier, int shift) {
            int left = shift > 0 ? shift : 0, right = shift > 0 ? 0 : -shift;
            return roundingDivideByPot(saturatingRoundingDoublingHighMul(x * (1 << left), multiplier), right);
        }
    },
    SINGLE {
        @Override
        public int multiply(int x, int multiplier, int shift) {
            if (shift > 30 || shift < -31) throw new IllegalArgumentException("single rounding needs shift in [-31, 30], was " + shift);
            int total = 31 - shift;                                   // 1 .. 62
            long result = ((long) x * multiplier + (1L << (total - 1))) >> total;
            return (int) result;                                      // |x·M| < 2^62, result fits int32 for shift <= 30
        }
    };

    /** {@code x · multiplier · 2^(shift − 31)} rounded to int32 the way this TFLite build does it. */
    public abstract int multiply(int x, int multiplier, int shift);

    /** gemmlowp {@code SaturatingRoundingDoublingHighMul}: round(a·b / 2^31), ties toward +∞, one saturating case. */
    public static int saturatingRoundingDoublingHighMul(int a, int b) {
        if (a == Integer.MIN_VALUE && b == Integer.MIN_VALUE) return Integer.MAX_VALUE;
        long ab = (long) a * b;
        long nudge = ab >= 0 ? (1L << 30) : 1 - (1L << 30);
        return (int) ((ab + nudge) / (1L << 31));                    // Java '/' truncates toward zero, as C does
    }

    /** gemmlowp {@code RoundingDivideByPOT}: round(x / 2^exponent), ties away from zero; exponent in [0, 31]. */
    public static int roundingDivideByPot(int x, int exponent) {
        if (exponent < 0 || exponent > 31) throw new IllegalArgumentException("exponent must be in [0, 31], was " + exponent);
        int mask = (int) ((1L << exponent) - 1);
        int remainder = x & mask;
        int threshold = (mask >> 1) + (x < 0 ? 1 : 0);
        return (x >> exponent) + (remainder > threshold ? 1 : 0);
    }

    /** {@code double} or {@code single}, as the command line writes it. */
    public static Rounding parse(String s) {
        return switch (s.toLowerCase(Locale.ROOT)) {
            case "double" -> DOUBLE;
            case "single" -> SINGLE;
            default -> throw new IllegalArgumentException("rounding must be double or single, was '" + s + "'");
        };
    }

    @Override
    public String toString() { return name().toLowerCase(Locale.ROOT); }
}
