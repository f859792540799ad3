package dev.kiln.tensor;

import dev.kiln.io.Npy;
import dev.kiln.io.NpyArray;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * A dense host tensor: a dtype, a shape (C order) and the {@link MemorySegment} that holds its elements,
 * little-endian. A tensor that {@link #allocate allocated} or {@link #readNpy read} its memory frees it on
 * {@link #close}; one that {@link #wrap wraps} a caller's segment leaves it alone.
 *
 * <pre>{@code
 * try (Tensor x = Tensor.readNpy(Path.of("input.npy"))) {
 *     float[] values = x.toFloatArray();
 *     System.out.println(x);               // Tensor[fp32 1x4x4x8]
 * }
 * }</pre>
 */
public final class Tensor implements AutoCloseable {
    private final DType dtype;
    private final long[] shape;
    private final MemorySegment data;
    private final Arena owner;

    private Tensor(DType dtype, long[] shape, MemorySegment data, Arena owner) {
        long count = count(shape);
        if (data.byteSize() != count * dtype.bytes()) {
            throw new IllegalArgumentException("a " + dtype + " tensor of shape " + Arrays.toString(shape) + " needs "
                    + count * dtype.bytes() + " bytes; the segment has " + data.byteSize());
        }
        this.dtype = dtype;
        this.shape = shape.clone();
        this.data = data;
        this.owner = owner;
    }

    /** A zeroed tensor in native memory of its own. */
    public static Tensor allocate(DType dtype, long... shape) {
        Arena arena = Arena.ofShared();
        return new Tensor(dtype, shape, arena.allocate(count(shape) * dtype.bytes(), 64), arena);
    }

    /** A tensor over {@code data}, which the caller keeps owning ({@link #close} does not free it). */
    public static Tensor wrap(DType dtype, MemorySegment data, long... shape) {
        return new Tensor(dtype, shape, data, null);
    }

    /** An fp32 tensor holding a copy of {@code values}. */
    public static Tensor of(float[] values, long... shape) {
        Tensor t = allocate(DType.FP32, checkLength(values.length, shape));
        MemorySegment.copy(values, 0, t.data, ValueLayout.JAVA_FLOAT, 0, values.length);
        return t;
    }

    /** An int8 tensor holding a copy of {@code values}. */
    public static Tensor of(byte[] values, long... shape) {
        Tensor t = allocate(DType.INT8, checkLength(values.length, shape));
        MemorySegment.copy(values, 0, t.data, ValueLayout.JAVA_BYTE, 0, values.length);
        return t;
    }

    /** An int32 tensor holding a copy of {@code values}. */
    public static Tensor of(int[] values, long... shape) {
        Tensor t = allocate(DType.INT32, checkLength(values.length, shape));
        MemorySegment.copy(values, 0, t.data, ValueLayout.JAVA_INT, 0, values.length);
        return t;
    }

    /** Reads a NumPy {@code .npy} file (C order, little-endian); the error names the file and what it holds. */
    public static Tensor readNpy(Path file) throws IOException {
        Arena arena = Arena.ofShared();
        try {
            NpyArray a = Npy.read(file, arena);
            return new Tensor(DType.of(a.dtype()), a.shape(), a.data(), arena);
        } catch (IOException | RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    /** Writes this tensor as a NumPy {@code .npy} file (through a temporary file, renamed when complete). */
    public void writeNpy(Path file) throws IOException {
        Npy.write(file, new NpyArray(dtype.npy(), shape, data));
    }

    public DType dtype() { return dtype; }

    /** A copy of the shape. */
    public long[] shape() { return shape.clone(); }

    /** Size of dimension {@code i}. */
    public long dim(int i) { return shape[i]; }

    public int rank() { return shape.length; }

    public long elementCount() { return count(shape); }

    /** The elements, little-endian, C order. Valid until {@link #close}. */
    public MemorySegment data() { return data; }

    public float[] toFloatArray() { return data.toArray(expect(DType.FP32, ValueLayout.JAVA_FLOAT)); }

    public byte[] toByteArray() { return data.toArray(expect(DType.INT8, ValueLayout.JAVA_BYTE)); }

    public int[] toIntArray() { return data.toArray(expect(DType.INT32, ValueLayout.JAVA_INT)); }

    /** Frees the memory if this tensor owns it; a wrapped segment is left to its owner. */
    @Override
    public void close() {
        if (owner != null) owner.close();
    }

    @Override
    public String toString() {
        StringBuilder s = new StringBuilder("Tensor[").append(dtype).append(' ');
        for (int i = 0; i < shape.length; i++) s.append(i == 0 ? "" : "x").append(shape[i]);
        return s.append(']').toString();
    }

    private <L extends ValueLayout> L expect(DType wanted, L layout) {
        if (dtype != wanted) throw new IllegalStateException("tensor is " + dtype + ", not " + wanted);
        return layout;
    }

    private static long[] checkLength(int length, long[] shape) {
        if (count(shape) != length) {
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " holds " + count(shape) + " elements; " + length + " were given");
        }
        return shape;
    }

    private static long count(long[] shape) {
        long n = 1;
        for (long d : shape) {
            if (d < 0) throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " has a negative dimension");
            n = Math.multiplyExact(n, d);
        }
        return n;
    }
}
