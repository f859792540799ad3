package dev.kiln.attention.model;

import dev.kiln.device.cpu.CpuNativeKernels;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The decoder's matmul, native and Java, against fp64 sums: odd widths (vector tails), batches of 1 to 9. */
class OpsMatmulTest {

    @ParameterizedTest(name = "batch {0}, in {1}, out {2}")
    @CsvSource({"1, 4096, 300", "4, 1792, 129", "5, 100, 77", "9, 33, 1000", "3, 7, 5"})
    void matches_fp64_within_a_few_float_roundings(int batch, int in, int out) {
        long seed = Long.getLong("kiln.test.seed", System.nanoTime()); // -Dkiln.test.seed=N pins it
        SplittableRandom r = new SplittableRandom(seed);
        float[] x = new float[batch * in];
        for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
        try (Arena arena = Arena.ofShared()) {
            MemorySegment w = arena.allocate((long) out * in * Float.BYTES, 64);
            for (long i = 0; i < (long) out * in; i++) w.setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) r.nextGaussian());
            float[] java = new float[batch * out];
            Ops.matmulJava(x, batch, in, w, out, java);
            check("java", java, x, batch, in, w, out, seed);
            assumeTrue(CpuNativeKernels.isAvailable(), "no native cpu kernels: " + CpuNativeKernels.unavailabilityCause());
            float[] c = new float[batch * out];
            Ops.matmulNative(x, batch, in, w, out, c);
            check("native", c, x, batch, in, w, out, seed);
        }
    }

    private static void check(String which, float[] y, float[] x, int batch, int in, MemorySegment w, int out, long seed) {
        for (int b = 0; b < batch; b++) {
            for (int o = 0; o < out; o++) {
                double want = 0, magnitude = 0;
                for (int i = 0; i < in; i++) {
                    double p = (double) x[b * in + i] * w.getAtIndex(ValueLayout.JAVA_FLOAT, (long) o * in + i);
                    want += p;
                    magnitude += Math.abs(p);
                }
                double err = Math.abs(y[b * out + o] - want);
                // fp32 sums of `in` products: a few ulps of the sum of magnitudes
                assertTrue(err <= 1e-6 * magnitude + 1e-30, which + ", seed " + seed + ": y[" + b + "][" + o + "] = " + y[b * out + o] + ", fp64 " + want);
            }
        }
    }
}
