package dev.kiln.inference.model;

import dev.kiln.inference.tensor.Dequantize;
import dev.kiln.inference.tensor.Tensor;
import dev.kiln.inference.tensor.TensorType;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * A tensor-parallel rank's pieces of a {@code [out][in]} weight. Rows (a column-parallel layer: Q/K/V heads, FFN gate
 * and up) are contiguous in the checkpoint, so a rank's rows are a view of the mapping. Columns (a row-parallel
 * layer: W_O, FFN down) are strided; a rank keeps its own copy of them in native memory, as a rank on its own device
 * loads only its shard: in the checkpoint's type where the range is made of whole blocks, in fp32 (decoded once)
 * where a quantized block straddles the boundary.
 */
final class WeightSlices {
    private WeightSlices() {}

    /** Rows {@code [from, from + count)}: a view, no copy. */
    static Tensor rows(Tensor w, int from, int count) {
        if (from == 0 && count == w.dim(0)) return w;
        long rowBytes = w.type().byteSize(w.cols());
        return new Tensor(w.name() + "[" + from + ":" + (from + count) + ",:]", w.type(), new long[]{count, w.cols()},
                w.data().asSlice(from * rowBytes, count * rowBytes));
    }

    /** Columns {@code [from, from + count)} of every row, copied into {@code arena} (the whole tensor is returned as is). */
    static Tensor columns(Tensor w, int from, int count, Arena arena) {
        if (from == 0 && count == w.cols()) return w;
        if (count == 0) return new Tensor(w.name() + "[:,0:0]", TensorType.F32, new long[]{w.dim(0), 0}, MemorySegment.NULL.reinterpret(0));   // a rank with no heads after the exchange
        String name = w.name() + "[:," + from + ":" + (from + count) + "]";
        long rows = w.dim(0);
        TensorType t = w.type();
        boolean whole = !t.quantized() || (from % t.blockElements() == 0 && count % t.blockElements() == 0);
        if (whole) {
            long rowBytes = t.byteSize(w.cols()), at = t.byteSize(from), len = t.byteSize(count);
            MemorySegment out = arena.allocate(rows * len, 64);
            for (long r = 0; r < rows; r++) MemorySegment.copy(w.data(), r * rowBytes + at, out, r * len, len);
            return new Tensor(name, t, new long[]{rows, count}, out);
        }
        MemorySegment out = arena.allocate(Math.max(Float.BYTES, rows * count * Float.BYTES), 64);
        float[] row = new float[count];
        for (long r = 0; r < rows; r++) {
            Dequantize.range(w, r * w.cols() + from, count, row, 0);
            MemorySegment.copy(row, 0, out, ValueLayout.JAVA_FLOAT, r * count * Float.BYTES, count);
        }
        return new Tensor(name, TensorType.F32, new long[]{rows, count}, out.asSlice(0, rows * count * Float.BYTES));
    }
}
