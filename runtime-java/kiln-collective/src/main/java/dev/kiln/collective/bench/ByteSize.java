package dev.kiln.collective.bench;

/** Byte counts as people write them: {@code 4096}, {@code 512KiB}, {@code 1.5MiB}, {@code 16MiB}, {@code 1GiB}. */
public final class ByteSize {
    private static final String[] UNITS = {"GiB", "MiB", "KiB", "B"};
    private static final long[] FACTORS = {1L << 30, 1L << 20, 1L << 10, 1};

    private ByteSize() {}

    /** The number of bytes {@code text} names; the error quotes it and shows the accepted forms. */
    public static long parse(String text) {
        String t = text.trim();
        long factor = 1;
        for (int i = 0; i < UNITS.length; i++) {
            if (t.endsWith(UNITS[i])) {
                factor = FACTORS[i];
                t = t.substring(0, t.length() - UNITS[i].length()).trim();
                break;
            }
        }
        double value;
        try {
            value = Double.parseDouble(t);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("size must look like 64MiB, 512KiB or 4096, was '" + text + "'");
        }
        if (!(value >= 0) || value * factor > Long.MAX_VALUE) {
            throw new IllegalArgumentException("size must be a non-negative byte count, was '" + text + "'");
        }
        return Math.round(value * factor);
    }
}
