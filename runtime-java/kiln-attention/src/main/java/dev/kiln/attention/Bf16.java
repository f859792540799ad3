package dev.kiln.attention;

/** bfloat16: the top 16 bits of an fp32, rounded to nearest even. */
public final class Bf16 {
    private Bf16() {}

    public static short fromFloat(float f) {
        int bits = Float.floatToRawIntBits(f);
        if (Float.isNaN(f)) return (short) ((bits >>> 16) | 0x40);
        int rounding = 0x7FFF + ((bits >>> 16) & 1);
        return (short) ((bits + rounding) >>> 16);
    }

    public static float toFloat(short h) {
        return Float.intBitsToFloat((h & 0xFFFF) << 16);
    }

    /** The value a bf16 cache actually holds for {@code f}. */
    public static float round(float f) { return toFloat(fromFloat(f)); }
}
