package dev.kiln.tconv.quant;

import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;

import java.math.BigInteger;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Both rounding modes against exact rational arithmetic (BigInteger), and TFLite's multiplier encoding. */
class RoundingTest {
    /** round(num / 2^bits) with ties away from zero, exactly. */
    private static BigInteger roundAway(BigInteger num, int bits) {
        BigInteger half = BigInteger.ONE.shiftLeft(bits).shiftRight(1);
        if (bits == 0) return num;
        BigInteger mag = num.abs().add(half).shiftRight(bits);
        return num.signum() < 0 ? mag.negate() : mag;
    }

    @RepeatedTest(20)
    void both_modes_match_exact_rational_rounding() {
        long seed = System.nanoTime();
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = 0; i < 20_000; i++) {
            int x = r.nextInt(4) == 0 ? r.nextInt(-5000, 5000) : r.nextInt(-(1 << 24), 1 << 24);
            int m = r.nextInt(1 << 30, Integer.MAX_VALUE);
            if (r.nextInt(8) == 0) m = 1 << 30;                     // exact ties are common with power-of-two M
            int shift = r.nextInt(-31, 2);
            // DOUBLE: floor(x·2^left·M / 2^31 + 1/2) (ties up), then round(· / 2^right) with ties away from zero.
            int left = Math.max(shift, 0), right = Math.max(-shift, 0);
            BigInteger first = BigInteger.valueOf((long) (x * (1 << left))).multiply(BigInteger.valueOf(m)).add(BigInteger.ONE.shiftLeft(30)).shiftRight(31);
            BigInteger expectDouble = roundAway(first, right);
            assertEquals(expectDouble.intValueExact(), Rounding.DOUBLE.multiply(x, m, shift),
                    "DOUBLE x=" + x + " M=" + m + " shift=" + shift + " seed=" + seed);
            // SINGLE: floor(x·M / 2^(31−shift) + 1/2): ties toward +inf.
            int total = 31 - shift;
            BigInteger expectSingle = BigInteger.valueOf(x).multiply(BigInteger.valueOf(m)).add(BigInteger.ONE.shiftLeft(total - 1)).shiftRight(total);
            assertEquals(expectSingle.intValueExact(), Rounding.SINGLE.multiply(x, m, shift),
                    "SINGLE x=" + x + " M=" + m + " shift=" + shift + " seed=" + seed);
        }
    }

    @Test
    void ties_differ_in_sign_handling() {
        // −10 · 0.25 = −2.5: double rounding goes away from zero, single rounding toward +inf.
        assertEquals(-3, Rounding.DOUBLE.multiply(-10, 1 << 30, -1));
        assertEquals(-2, Rounding.SINGLE.multiply(-10, 1 << 30, -1));
        assertEquals(3, Rounding.DOUBLE.multiply(10, 1 << 30, -1));
        assertEquals(3, Rounding.SINGLE.multiply(10, 1 << 30, -1));
        // SRDHM alone: ties toward +inf (−0.5 → 0, −1.5 → −1, +0.5 → 1).
        assertEquals(0, Rounding.saturatingRoundingDoublingHighMul(-1, 1 << 30));
        assertEquals(-1, Rounding.saturatingRoundingDoublingHighMul(-3, 1 << 30));
        assertEquals(1, Rounding.saturatingRoundingDoublingHighMul(1, 1 << 30));
        assertEquals(Integer.MAX_VALUE, Rounding.saturatingRoundingDoublingHighMul(Integer.MIN_VALUE, Integer.MIN_VALUE));
    }

    @Test
    void quantize_multiplier_matches_tflite() {
        assertEquals(new QuantizedMultiplier(1 << 30, 0), QuantizedMultiplier.of(0.5));
        assertEquals(new QuantizedMultiplier(1 << 30, 1), QuantizedMultiplier.of(1.0));
        assertEquals(new QuantizedMultiplier(1 << 30, -1), QuantizedMultiplier.of(0.25));
        assertEquals(new QuantizedMultiplier(1610612736, 0), QuantizedMultiplier.of(0.75));
        assertEquals(new QuantizedMultiplier(0, 0), QuantizedMultiplier.of(0.0));
        // q·2^31 rounds up to 2^31: halve and bump the shift.
        assertEquals(new QuantizedMultiplier(1 << 30, 1), QuantizedMultiplier.of(Math.nextDown(1.0)));
        // Below 2^-32 everything flushes to zero.
        assertEquals(new QuantizedMultiplier(0, 0), QuantizedMultiplier.of(0x1p-40));
        // Single rounding saturates shifts above 30.
        assertEquals(new QuantizedMultiplier(Integer.MAX_VALUE, 30), QuantizedMultiplier.of(0x1p31, Rounding.SINGLE));
        assertEquals(new QuantizedMultiplier(1 << 30, 31), QuantizedMultiplier.of(0x1p30, Rounding.DOUBLE));
        // Subnormal-safe frexp.
        assertEquals(-1073, QuantizedMultiplier.frexpExponent(Double.MIN_VALUE) );
        assertEquals(0, QuantizedMultiplier.roundHalfAwayFromZero(0.49999999999999994));
        assertEquals(3, QuantizedMultiplier.roundHalfAwayFromZero(2.5));
    }

    @RepeatedTest(5)
    void quantized_multiplier_is_within_half_ulp_of_the_real_one() {
        long seed = System.nanoTime();
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = 0; i < 10_000; i++) {
            double real = Math.scalb(r.nextDouble(0.5, 1.0), r.nextInt(-30, 10));
            QuantizedMultiplier q = QuantizedMultiplier.of(real);
            assertEquals(real, q.real(), Math.scalb(1.0, q.shift() - 32) * 1.0000001, "real=" + real + " seed=" + seed);
            assertEquals(true, q.multiplier() >= (1 << 30), "normalised, seed=" + seed);
        }
    }

    @Test
    void bad_values_name_the_field() {
        var e = assertThrows(IllegalArgumentException.class, () -> new Int8Quant(0f, 0, new float[]{1f}, 1f, 0));
        assertEquals("inputScale must be a finite float > 0, was 0.0", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new Int8Quant(1f, 200, new float[]{1f}, 1f, 0));
        assertEquals("inputZeroPoint must be in [-128, 127], was 200", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new Int8Quant(1f, 0, new float[]{1f, -1f}, 1f, 0));
        assertEquals("weightScales[1] must be a finite float > 0, was -1.0", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Int8Quant.perTensor(1f, 0, 1f, 3, 1f, 0).requantizer(4, Rounding.DOUBLE));
        assertEquals("weightScales has 3 entries, the layer has oc=4", e.getMessage());
    }
}
