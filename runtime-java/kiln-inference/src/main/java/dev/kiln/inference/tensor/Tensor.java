package dev.kiln.inference.tensor;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * One tensor of a checkpoint: its name, element type, shape (outermost first, as numpy and safetensors write it;
 * GGUF's innermost-first dims arrive reversed) and its bytes, a slice of the memory-mapped file: nothing is copied
 * onto the Java heap. A 2-D weight {@code [rows][cols]} is {@code rows} rows of {@code cols} contiguous values.
 */
public record Tensor(String name, TensorType type, long[] shape, MemorySegment data) {
    public Tensor {
        if (name == null || name.isEmpty()) throw new IllegalArgumentException("tensor name is empty");
        if (type == null) throw new IllegalArgumentException("tensor '" + name + "': type = null");
        shape = shape.clone();
        long n = 1;
        for (long d : shape) {
            if (d < 0) throw new IllegalArgumentException("tensor '" + name + "': shape " + Arrays.toString(shape) + " has a negative dim");
            n = Math.multiplyExact(n, d);
        }
        if (type.quantized() && shape.length > 0 && shape[shape.length - 1] % type.blockElements() != 0) {
            throw new IllegalArgumentException("tensor '" + name + "': rows of " + shape[shape.length - 1] + " " + type
                    + " values are not whole blocks of " + type.blockElements());
        }
        if (data.byteSize() != type.byteSize(n)) {
            throw new IllegalArgumentException("tensor '" + name + "': " + data.byteSize() + " bytes for " + n + " " + type + " values, needs " + type.byteSize(n));
        }
    }

    @Override public long[] shape() { return shape.clone(); }

    public long elements() {
        long n = 1;
        for (long d : shape) n *= d;
        return n;
    }

    public int rank() { return shape.length; }

    public long dim(int i) { return shape[i]; }

    /** Rows of a 2-D view: everything but the last dim (1 for a vector). */
    public long rows() { return shape.length == 0 ? 1 : elements() / shape[shape.length - 1]; }

    /** Length of a row: the last dim. */
    public long cols() { return shape.length == 0 ? 1 : shape[shape.length - 1]; }

    /** Throws unless the shape is {@code expected}, naming both. */
    public Tensor requireShape(long... expected) {
        if (!Arrays.equals(shape, expected)) {
            throw new IllegalArgumentException("tensor '" + name + "' has shape " + Arrays.toString(shape) + ", the model needs " + Arrays.toString(expected));
        }
        return this;
    }

    /** Every value as fp32 on the heap: for norms, biases and embedding rows, never for the big matrices. */
    public float[] toFloats() {
        if (elements() > Integer.MAX_VALUE) throw new IllegalArgumentException("tensor '" + name + "' has " + elements() + " values, too many for one array");
        float[] out = new float[(int) elements()];
        Dequantize.range(this, 0, out.length, out, 0);
        return out;
    }

    @Override
    public String toString() { return "Tensor[" + name + " " + type + " " + Arrays.toString(shape) + "]"; }
}
