package dev.kiln.inference.model;

import dev.kiln.inference.quant.Quantize;
import dev.kiln.inference.tensor.Tensor;
import dev.kiln.inference.tensor.TensorType;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A rank's slices of a weight: rows are views of the same bytes, columns hold exactly the values of the full
 * tensor's columns (in its type where whole blocks allow, else fp32), and the partial products of N column
 * slices add up to the full GEMV (the all-reduce's identity) within fp32 rounding of an fp64 sum.
 */
class WeightSlicesTest {
    static final long SEED = Long.getLong("kiln.test.seed", 11);

    @ParameterizedTest
    @EnumSource(TensorType.class)
    void slices_hold_the_full_tensors_values(TensorType type) {
        SplittableRandom rnd = new SplittableRandom(SEED);
        int rows = 24, cols = 96;
        float[] v = new float[rows * cols];
        for (int i = 0; i < v.length; i++) v[i] = (float) (rnd.nextDouble() * 2 - 1);
        try (Arena arena = Arena.ofShared()) {   // the GEMV reads it from pool threads
            byte[] bytes = Quantize.encode(type, v);
            Tensor w = new Tensor("w", type, new long[]{rows, cols}, arena.allocateFrom(java.lang.foreign.ValueLayout.JAVA_BYTE, bytes));
            float[] full = w.toFloats();

            Tensor r = WeightSlices.rows(w, 5, 7);
            assertEquals(w.data().address() + 5 * type.byteSize(cols), r.data().address(), "rows are a view of the same bytes");
            float[] rv = r.toFloats();
            for (int i = 0; i < 7 * cols; i++) assertEquals(full[5 * cols + i], rv[i], "seed " + SEED + " " + type + " row value " + i);
            assertSame(w, WeightSlices.rows(w, 0, rows));

            int[][] ranges = {{0, 32}, {32, 64}, {12, 12}, {40, 16}, {95, 1}, {7, 0}};
            for (int[] c : ranges) {
                Tensor s = WeightSlices.columns(w, c[0], c[1], arena);
                boolean whole = !type.quantized() || (c[0] % 32 == 0 && c[1] % 32 == 0);
                assertEquals(c[1] == 0 || !whole ? TensorType.F32 : type, s.type(), type + " columns " + c[0] + "+" + c[1]);
                float[] sv = s.toFloats();
                for (int i = 0; i < rows; i++) {
                    for (int j = 0; j < c[1]; j++) assertEquals(full[i * cols + c[0] + j], sv[i * c[1] + j], type + " columns " + c[0] + "+" + c[1] + " at " + i + "," + j);
                }
            }

            // Column-parallel partial products, summed in rank order as the all-reduce does, vs fp64 on the full weight.
            float[] x = new float[cols];
            for (int i = 0; i < cols; i++) x[i] = (float) (rnd.nextDouble() * 2 - 1);
            int ranks = 8;
            float[] sum = new float[rows];
            for (int k = 0; k < ranks; k++) {
                int from = cols * k / ranks, to = cols * (k + 1) / ranks;
                float[] part = new Linear(WeightSlices.columns(w, from, to - from, arena), null).apply(java.util.Arrays.copyOfRange(x, from, to));
                for (int i = 0; i < rows; i++) sum[i] += part[i];
            }
            for (int i = 0; i < rows; i++) {
                double want = 0, abs = 0;
                for (int j = 0; j < cols; j++) {
                    want += (double) full[i * cols + j] * x[j];
                    abs += Math.abs((double) full[i * cols + j] * x[j]);
                }
                double bound = (cols + 2 + ranks) * 0x1p-24 * abs;
                assertTrue(Math.abs(sum[i] - want) <= bound, "seed " + SEED + " " + type + " row " + i + ": " + sum[i] + " vs " + want + " bound " + bound);
            }
        }
    }
}
