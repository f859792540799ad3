package dev.kiln.attention;

import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The (O, LSE) value type: merging segment states equals attention over the union, in any grouping and order. */
class AttentionStateTest {
    static final int DIM = 16;

    /** The state of one head over keys [from, to) in fp64, rounded to fp32 as a kernel would emit it. */
    static AttentionState segment(double[] scores, double[][] v, int from, int to) {
        if (from == to) return AttentionState.empty(DIM);
        double max = Double.NEGATIVE_INFINITY;
        for (int t = from; t < to; t++) max = Math.max(max, scores[t]);
        double sum = 0;
        double[] o = new double[DIM];
        for (int t = from; t < to; t++) {
            double w = Math.exp(scores[t] - max);
            sum += w;
            for (int d = 0; d < DIM; d++) o[d] += w * v[t][d];
        }
        float[] out = new float[DIM];
        for (int d = 0; d < DIM; d++) out[d] = (float) (o[d] / sum);
        return new AttentionState(out, (float) (max + Math.log(sum)));
    }

    @RepeatedTest(20)
    void merging_random_segments_in_any_order_and_grouping_gives_the_whole() {
        long seed = Long.getLong("kiln.test.seed", System.nanoTime()); // -Dkiln.test.seed=N pins it
        SplittableRandom r = new SplittableRandom(seed);
        int s = 1 + r.nextInt(300);
        double[] scores = new double[s];
        double[][] v = new double[s][DIM];
        for (int t = 0; t < s; t++) {
            scores[t] = r.nextGaussian() * 8; // wide spread: the max subtraction matters
            for (int d = 0; d < DIM; d++) v[t][d] = r.nextGaussian();
        }
        AttentionState whole = segment(scores, v, 0, s);
        List<AttentionState> parts = new ArrayList<>();
        int at = 0;
        while (at < s) {
            int len = r.nextInt(Math.min(40, s - at) + 1); // zero-length segments included: empty shards
            parts.add(segment(scores, v, at, at + len));
            at += len;
        }
        parts.add(AttentionState.empty(DIM));
        Collections.shuffle(parts, new java.util.Random(seed));
        AttentionState flat = AttentionState.mergeAll(parts);
        AttentionState folded = parts.getFirst();
        for (int i = 1; i < parts.size(); i++) folded = folded.merge(parts.get(i));
        AttentionState rightFolded = parts.getLast();
        for (int i = parts.size() - 2; i >= 0; i--) rightFolded = parts.get(i).merge(rightFolded);
        // Each part carries its LSE in fp32, so its weight e^(LSE_i − M) is off by up to ulp(|LSE_i|) relative:
        // with scores spread ±30 that is ~2e-6, the floor of any fp32-stats merge. The flat merge rounds
        // O once more; a fold of k pairwise merges rounds O and LSE k times.
        double maxLse = parts.stream().filter(p -> !p.isEmpty()).mapToDouble(p -> Math.abs(p.lse())).max().orElse(0);
        double flatBound = 1e-6 + 2 * Math.ulp((float) maxLse);
        double foldBound = flatBound + parts.size() * (Math.ulp(1f) + Math.ulp((float) maxLse));
        for (AttentionState m : List.of(flat, folded, rightFolded)) {
            double bound = m == flat ? flatBound : foldBound;
            assertTrue(relErr(m.output(), whole.output()) <= bound, "seed " + seed + ": O rel err " + relErr(m.output(), whole.output()) + " > " + bound);
            assertEquals(whole.lse(), m.lse(), 1e-5 * Math.max(1, Math.abs(whole.lse())), "seed " + seed + ": lse");
        }
    }

    @Test
    void empty_is_the_identity_and_two_empties_stay_empty() {
        AttentionState a = new AttentionState(new float[]{1, 2, 3}, 0.5f);
        assertEquals(a, a.merge(AttentionState.empty(3)));
        assertEquals(a, AttentionState.empty(3).merge(a));
        assertTrue(AttentionState.empty(3).merge(AttentionState.empty(3)).isEmpty());
    }

    @Test
    void invalid_states_are_rejected_with_the_field_named() {
        var e = assertThrows(IllegalArgumentException.class, () -> new AttentionState(new float[2], Float.NaN));
        assertTrue(e.getMessage().contains("lse"));
        assertThrows(IllegalArgumentException.class, () -> new AttentionState(new float[2], 0).merge(new AttentionState(new float[3], 0)));
    }

    static double relErr(float[] got, float[] want) {
        double n = 0, d = 0;
        for (int i = 0; i < want.length; i++) {
            n += (double) (got[i] - want[i]) * (got[i] - want[i]);
            d += (double) want[i] * want[i];
        }
        return Math.sqrt(n / d);
    }
}
