package dev.kiln.tensor;

import dev.kiln.io.NpyDtype;

/** The element types of a {@link Tensor}, each with its size and its NumPy {@code .npy} counterpart. */
public enum DType {
    FP32(NpyDtype.FLOAT32), FP64(NpyDtype.FLOAT64), INT8(NpyDtype.INT8), INT32(NpyDtype.INT32), INT64(NpyDtype.INT64),
    /** bfloat16, stored as its 16 bits ({@code .npy} has no bf16 and stores it as {@code uint16}). */
    BF16(NpyDtype.UINT16);

    private final NpyDtype npy;

    DType(NpyDtype npy) { this.npy = npy; }

    /** Bytes per element. */
    public int bytes() { return npy.bytes(); }

    NpyDtype npy() { return npy; }

    static DType of(NpyDtype npy) {
        for (DType t : values()) if (t.npy == npy) return t;
        throw new IllegalArgumentException("no tensor dtype for .npy dtype " + npy);
    }

    @Override
    public String toString() { return name().toLowerCase(); }
}
