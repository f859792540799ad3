package dev.kiln.attention.cpu;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The softmax's vector exp against fp64 {@link Math#exp}, over its whole domain and its edges. */
class SoftmaxExpTest {
    private static final int L = SplitKvDecodeCpu.L;

    @Test
    void within_two_ulps_of_fp64_exp_on_minus_87_to_0() {
        SplittableRandom r = new SplittableRandom(7);
        float[] x = new float[L], y = new float[L];
        double worst = 0;
        for (int round = 0; round < 200_000; round++) {
            for (int i = 0; i < L; i++) x[i] = round < 1000 ? -(float) (r.nextDouble() * 1e-3) : (float) (-87.3 * r.nextDouble());
            System.arraycopy(x, 0, y, 0, L);
            SoftmaxExp.expInPlace(y, 0, L, 0f);
            for (int i = 0; i < L; i++) {
                double want = Math.exp(x[i]);
                worst = Math.max(worst, Math.abs(y[i] - want) / Math.ulp((float) want));
            }
        }
        assertTrue(worst <= 2, "worst error " + worst + " ulp");
    }

    @Test
    void edges_are_exact() {
        float[] x = new float[L], y = new float[L];
        float[] cases = {0f, -0f, Float.NEGATIVE_INFINITY, -88f, -1000f, -Float.MAX_VALUE};
        float[] want = {1f, 1f, 0f, 0f, 0f, 0f};
        for (int i = 0; i < L; i++) x[i] = cases[i % cases.length];
        System.arraycopy(x, 0, y, 0, L);
        SoftmaxExp.expInPlace(y, 0, L, 0f);
        for (int i = 0; i < L; i++) assertEquals(want[i % cases.length], y[i], 0f, "exp(" + x[i] + ")");
    }

    @Test
    void shifts_by_the_max_and_sums_in_lane_order() {
        // e^(x − max) with x − max = ln(1e8) in lane 0 and 0 elsewhere: lane 0 is ~1e8, and each 1 after it is
        // lost when the lanes are added in order (a tree would keep their total, 15).
        float[] v = new float[2 * L];
        float max = 5f;
        for (int i = 0; i < v.length; i++) v[i] = max;
        v[0] = max + (float) Math.log(1e8);
        float sum = SoftmaxExp.expInPlace(v, 0, 2 * L, max);
        float first = v[0];
        float inOrder = first;
        for (int i = 1; i < L; i++) inOrder += 2f;   // lanes i of both vectors are added before the lane sum
        assertEquals(1f, v[1], 0f);
        assertEquals(inOrder, sum, 0f);
        assertTrue(Math.abs(first - 1e8) / 1e8 < 3e-7, "e^ln(1e8) = " + first);
    }
}
