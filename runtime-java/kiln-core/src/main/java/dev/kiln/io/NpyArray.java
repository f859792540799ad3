package dev.kiln.io;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/** A tensor as NumPy stores it: dtype, C-order shape, and the raw little-endian data. */
public record NpyArray(NpyDtype dtype, long[] shape, MemorySegment data) {
    public NpyArray {
        shape = shape.clone();
        long elements = Arrays.stream(shape).reduce(1, Math::multiplyExact);
        if (data.byteSize() != elements * dtype.bytes()) {
            throw new IllegalArgumentException("data has " + data.byteSize() + " bytes, shape " + Arrays.toString(shape)
                    + " of " + dtype + " needs " + elements * dtype.bytes());
        }
    }

    public long elements() { return data.byteSize() / dtype.bytes(); }

    @Override
    public String toString() { return "NpyArray[" + dtype + " " + Arrays.toString(shape) + "]"; }
}
