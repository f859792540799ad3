package dev.kiln.helixsim;

/** Argument checks shared by the records: each failure names the field, its value and what is allowed. */
final class Checks {
    private Checks() {}

    static int positive(String field, int value) {
        if (value <= 0) throw new IllegalArgumentException(field + " = " + value + ": must be > 0");
        return value;
    }

    static double positive(String field, double value) {
        if (!(value > 0) || Double.isInfinite(value)) {
            throw new IllegalArgumentException(field + " = " + value + ": must be a finite number > 0");
        }
        return value;
    }

    static double nonNegative(String field, double value) {
        if (!(value >= 0) || Double.isInfinite(value)) {
            throw new IllegalArgumentException(field + " = " + value + ": must be a finite number >= 0");
        }
        return value;
    }

    static int nonNegative(String field, int value) {
        if (value < 0) throw new IllegalArgumentException(field + " = " + value + ": must be >= 0");
        return value;
    }

    static String named(String field, String value) {
        if (value == null || value.isBlank()) throw new IllegalArgumentException(field + " is missing: give a non-empty name");
        return value;
    }
}
