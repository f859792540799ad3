package dev.kiln.io;

import java.util.Arrays;

/** The NumPy dtypes Kiln exchanges, by their {@code descr} string (little-endian). */
public enum NpyDtype {
    FLOAT32("<f4", 4), FLOAT64("<f8", 8), INT8("|i1", 1), INT32("<i4", 4), INT64("<i8", 8), UINT16("<u2", 2);

    private final String descr;
    private final int bytes;

    NpyDtype(String descr, int bytes) {
        this.descr = descr;
        this.bytes = bytes;
    }

    public String descr() { return descr; }

    public int bytes() { return bytes; }

    public static NpyDtype ofDescr(String descr) {
        String d = descr.replace("=", "<");
        if (d.equals("<i1")) d = "|i1";
        for (NpyDtype t : values()) if (t.descr.equals(d)) return t;
        throw new IllegalArgumentException("unsupported dtype '" + descr + "'; supported: "
                + Arrays.stream(values()).map(NpyDtype::descr).toList());
    }

    @Override
    public String toString() { return name().toLowerCase(); }
}
