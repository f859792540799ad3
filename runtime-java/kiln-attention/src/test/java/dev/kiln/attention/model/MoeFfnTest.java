package dev.kiln.attention.model;

import dev.kiln.attention.KvDtype;
import dev.kiln.attention.helix.HelixMapping;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.lang.foreign.Arena;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The mixture-of-experts FFN on Helix's TPF × EP grid: the ranks' partial outputs, summed as the all-reduce
 * sums them, against an fp64 reference computed element by element from the weight generator.
 */
class MoeFfnTest {
    private static final ModelShape S = ModelShape.testMoe();

    @ParameterizedTest(name = "KVP={0} TPA={1}: TPF={2} x EP={3}")
    @CsvSource({
            "1, 1, 1, 1",
            "4, 1, 4, 1",
            "2, 2, 2, 2",
            "4, 1, 1, 4",
            "4, 2, 1, 8",
            "4, 2, 4, 2",
            "3, 2, 2, 3",   // 8 experts over 3 EP groups: 2, 3, 3
            "3, 1, 3, 1",   // F = 64 over 3 TPF slices: 21, 21, 22
    })
    void grid_sum_matches_fp64_reference(int kvp, int tpa, int tpf, int ep) {
        long seed = Long.getLong("kiln.test.seed", System.nanoTime()); // -Dkiln.test.seed=N pins it
        int batch = 3, h = S.hidden();
        HelixMapping m = HelixMapping.of(kvp, tpa, S.qHeads(), S.kvHeads()).withFfnGrid(tpf, ep);
        float[] x = new float[batch * h];
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = 0; i < x.length; i++) x[i] = (float) (r.nextDouble() * 4 - 2);
        double[] sum = new double[batch * h];
        try (Arena arena = Arena.ofShared()) {   // the generator fills in parallel
            for (int rank = 0; rank < m.size(); rank++) {
                MoeFfn ffn = MoeFfn.generate(arena, S, m, rank, 1, seed);
                float[] y = new float[batch * h];
                ffn.forward(x, batch, S, m.ffnCount(rank, S.ffn()), y);
                for (int i = 0; i < y.length; i++) sum[i] += y[i];
            }
        }
        double[] want = reference(x, batch, 1, seed);
        double num = 0, den = 0;
        for (int i = 0; i < want.length; i++) {
            num += (sum[i] - want[i]) * (sum[i] - want[i]);
            den += want[i] * want[i];
        }
        double rel = Math.sqrt(num / den);
        assertTrue(den > 0 && rel <= 1e-6, "seed " + seed + ": relative error " + rel);
    }

    /** Every token's output, in fp64 from the generator's values: route, SwiGLU per chosen expert, weighted sum. */
    private static double[] reference(float[] x, int batch, int layer, long seed) {
        int h = S.hidden(), f = S.ffn(), experts = S.experts(), k = S.expertsPerToken();
        float inAmp = (float) (1 / Math.sqrt(h)), outAmp = (float) (1 / Math.sqrt(f));
        double[] y = new double[batch * h];
        for (int b = 0; b < batch; b++) {
            double[] logit = new double[experts];
            for (int e = 0; e < experts; e++) {
                for (int i = 0; i < h; i++) logit[e] += x[b * h + i] * (double) WeightGen.value(seed, MoeFfn.routerTensor(layer), e, i, inAmp);
            }
            Integer[] order = new Integer[experts];
            for (int e = 0; e < experts; e++) order[e] = e;
            java.util.Arrays.sort(order, (p, q) -> Double.compare(logit[q], logit[p]));
            assertTrue(logit[order[k - 1]] - logit[order[k]] > 1e-5, "seed " + seed + ": near-tie in the routing; the float router may pick either");
            double z = 0;
            for (int j = 0; j < k; j++) z += Math.exp(logit[order[j]] - logit[order[0]]);
            for (int j = 0; j < k; j++) {
                int e = order[j];
                double weight = Math.exp(logit[e] - logit[order[0]]) / z;
                double[] a = new double[f];
                for (int c = 0; c < f; c++) {
                    double g = 0, u = 0;
                    for (int i = 0; i < h; i++) {
                        g += x[b * h + i] * (double) WeightGen.value(seed, MoeFfn.expertTensor(S, layer, e, 0), c, i, inAmp);
                        u += x[b * h + i] * (double) WeightGen.value(seed, MoeFfn.expertTensor(S, layer, e, 1), c, i, inAmp);
                    }
                    a[c] = g / (1 + Math.exp(-g)) * u;
                }
                for (int o = 0; o < h; o++) {
                    double out = 0;
                    for (int c = 0; c < f; c++) out += WeightGen.value(seed, MoeFfn.expertTensor(S, layer, e, 2), o, c, outAmp) * a[c];
                    y[b * h + o] += weight * out;
                }
            }
        }
        return y;
    }

    @Test
    void routing_takes_the_top_k_with_softmax_weights_and_ties_to_the_lower_index() {
        MoeFfn.Route r = MoeFfn.route(new float[]{9, 0.5f, 2, 2, -1}, 1, 4, 2);
        assertArrayEquals(new int[]{1, 2}, r.experts());   // logits 0.5, 2, 2, -1 at offset 1: experts 1 and 2 (tie: lower)
        assertArrayEquals(new double[]{0.5, 0.5}, r.weights(), 1e-15);
        MoeFfn.Route s = MoeFfn.route(new float[]{0, (float) Math.log(3), -5}, 0, 3, 2);
        assertArrayEquals(new int[]{1, 0}, s.experts());
        assertArrayEquals(new double[]{0.75, 0.25}, s.weights(), 1e-7);
    }

    @Test
    void the_ffn_grid_must_reuse_the_attention_ranks_and_fit_the_model() {
        HelixMapping m = HelixMapping.of(4, 2, S.qHeads(), S.kvHeads());
        assertThrows(IllegalArgumentException.class, () -> m.withFfnGrid(2, 2));          // 4 != N = 8
        assertThrows(IllegalArgumentException.class, () -> new HelixDecoder.Config(ModelShape.testGqa(),
                HelixMapping.of(4, 2, 8, 4).withFfnGrid(4, 2), KvDtype.FP32, 8, 1, 1, false, 0, 1, 8));   // dense FFN with EP > 1
        assertThrows(IllegalArgumentException.class, () -> new HelixDecoder.Config(S,
                HelixMapping.of(4, 4, 8, 4).withFfnGrid(1, 16), KvDtype.FP32, 8, 1, 1, false, 0, 1, 8));   // 16 EP groups, 8 experts
    }
}
