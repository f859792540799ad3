package dev.kiln.train;

import org.junit.jupiter.api.RepeatedTest;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** The three matmul shapes against fp64 loops, at random sizes (tails included) and offsets. */
class TrainKernelsTest {
    @RepeatedTest(3)
    void matmulsMatchDoubleLoops() {
        long seed = Long.getLong("kiln.test.seed", System.nanoTime()); // -Dkiln.test.seed=N pins it
        SplittableRandom rnd = new SplittableRandom(seed);
        int n = 1 + rnd.nextInt(23), k = 1 + rnd.nextInt(70), m = 1 + rnd.nextInt(70);
        int off = rnd.nextInt(5);
        float[] a = random(rnd, off + n * k), b = random(rnd, off + k * m), bias = random(rnd, off + m);
        String where = "seed " + seed + " n=" + n + " k=" + k + " m=" + m;

        float[] out = new float[off + n * m];
        TrainKernels.matmul(out, off, a, off, b, off, bias, off, n, k, m);
        for (int r = 0; r < n; r++) for (int j = 0; j < m; j++) {
            double s = bias[off + j];
            for (int p = 0; p < k; p++) s += (double) a[off + r * k + p] * b[off + p * m + j];
            check(s, out[off + r * m + j], k, where + " matmul");
        }

        float[] bt = random(rnd, off + m * k);    // [m, k]
        float[] nt = random(rnd, off + n * m), before = nt.clone();
        TrainKernels.matmulTransposedB(nt, off, a, off, bt, off, n, k, m, true);
        for (int r = 0; r < n; r++) for (int j = 0; j < m; j++) {
            double s = before[off + r * m + j];
            for (int p = 0; p < k; p++) s += (double) a[off + r * k + p] * bt[off + j * k + p];
            check(s, nt[off + r * m + j], k, where + " matmulTransposedB");
        }

        float[] g = random(rnd, off + n * m), c = random(rnd, off + k * m), c0 = c.clone();
        TrainKernels.accumulateTransposedA(c, off, a, off, g, off, n, k, m);
        for (int p = 0; p < k; p++) for (int j = 0; j < m; j++) {
            double s = c0[off + p * m + j];
            for (int r = 0; r < n; r++) s += (double) a[off + r * k + p] * g[off + r * m + j];
            check(s, c[off + p * m + j], n, where + " accumulateTransposedA");
        }
    }

    /**
     * The register tiles change which outputs are computed together, not how: every output is an FMA chain over
     * the inner index in ascending order, so the kernels equal a scalar {@link Math#fma} loop bit for bit, at widths
     * with whole tiles, tails and row remainders (the model's 64, 3·64, 4·64 and vocabulary widths among them).
     */
    @org.junit.jupiter.api.Test
    void tiledKernelsEqualScalarFmaChainsBitForBit() {
        long seed = Long.getLong("kiln.test.seed", System.nanoTime());
        SplittableRandom rnd = new SplittableRandom(seed);
        int[][] shapes = {{8, 64, 64}, {7, 64, 192}, {9, 256, 64}, {5, 64, 73}, {4, 33, 130}, {13, 17, 256}, {3, 5, 16}};
        for (int[] sh : shapes) {
            int n = sh[0], k = sh[1], m = sh[2], off = rnd.nextInt(5);
            String where = "seed " + seed + " n=" + n + " k=" + k + " m=" + m;
            float[] a = random(rnd, off + n * k), b = random(rnd, off + k * m), bias = random(rnd, off + m);
            float[] out = new float[off + n * m];
            TrainKernels.matmul(out, off, a, off, b, off, bias, off, n, k, m);
            for (int r = 0; r < n; r++) for (int j = 0; j < m; j++) {
                float s = bias[off + j];
                for (int p = 0; p < k; p++) s = Math.fma(b[off + p * m + j], a[off + r * k + p], s);
                org.junit.jupiter.api.Assertions.assertEquals(Float.floatToRawIntBits(s), Float.floatToRawIntBits(out[off + r * m + j]), where + " matmul [" + r + "][" + j + "]");
            }
            float[] g = random(rnd, off + n * m), c = random(rnd, off + k * m), c0 = c.clone();
            TrainKernels.accumulateTransposedA(c, off, a, off, g, off, n, k, m);
            for (int p = 0; p < k; p++) for (int j = 0; j < m; j++) {
                float s = c0[off + p * m + j];
                for (int r = 0; r < n; r++) s = Math.fma(g[off + r * m + j], a[off + r * k + p], s);
                org.junit.jupiter.api.Assertions.assertEquals(Float.floatToRawIntBits(s), Float.floatToRawIntBits(c[off + p * m + j]), where + " accumulateTransposedA [" + p + "][" + j + "]");
            }
        }
    }

    private static void check(double expected, float actual, int terms, String where) {
        double tol = 1e-6 * terms + 1e-5 * Math.abs(expected);
        assertTrue(Math.abs(expected - actual) <= tol, where + ": expected " + expected + ", got " + actual);
    }

    private static float[] random(SplittableRandom rnd, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) (rnd.nextDouble() * 2 - 1);
        return x;
    }
}
