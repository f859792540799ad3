package dev.kiln.helixsim;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

import java.util.Locale;

/** Number format of weights, KV cache and arithmetic (the paper uses FP4 for all three). */
public enum Precision {
    FP4(0.5), FP8(1), BF16(2);

    private final double bytes;

    Precision(double bytes) { this.bytes = bytes; }

    public double bytes() { return bytes; }

    @JsonValue
    public String jsonName() { return name().toLowerCase(Locale.ROOT); }

    @JsonCreator
    public static Precision parse(String s) {
        for (Precision p : values()) if (p.jsonName().equalsIgnoreCase(s)) return p;
        throw new IllegalArgumentException("precision = '" + s + "': allowed are fp4, fp8, bf16");
    }
}
