package dev.kiln.tensor;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TensorTest {
    @Test
    void npy_round_trip_keeps_dtype_shape_and_every_bit(@TempDir Path dir) throws Exception {
        long seed = Long.getLong("kiln.test.seed", System.nanoTime()); // -Dkiln.test.seed=N pins it
        SplittableRandom r = new SplittableRandom(seed);
        float[] values = new float[2 * 3 * 5];
        for (int i = 0; i < values.length; i++) values[i] = (float) r.nextGaussian();
        values[7] = Float.NaN;
        Path file = dir.resolve("x.npy");
        try (Tensor x = Tensor.of(values, 2, 3, 5)) {
            x.writeNpy(file);
        }
        try (Tensor y = Tensor.readNpy(file)) {
            assertEquals(DType.FP32, y.dtype());
            assertArrayEquals(new long[]{2, 3, 5}, y.shape());
            assertArrayEquals(values, y.toFloatArray(), "seed=" + seed);
            assertEquals("Tensor[fp32 2x3x5]", y.toString());
        }
        try (var files = Files.list(dir)) {
            assertEquals(1, files.count(), "no partial file is left behind");
        }
    }

    @Test
    void bad_shapes_and_dtypes_are_named() {
        var e = assertThrows(IllegalArgumentException.class, () -> Tensor.of(new float[5], 2, 3));
        assertTrue(e.getMessage().contains("[2, 3]") && e.getMessage().contains("5"), e.getMessage());
        try (Tensor t = Tensor.of(new byte[]{1, 2}, 2)) {
            var s = assertThrows(IllegalStateException.class, t::toFloatArray);
            assertTrue(s.getMessage().contains("int8"), s.getMessage());
        }
    }
}
