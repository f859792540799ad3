package dev.kiln.helixsim;

import org.junit.jupiter.api.RepeatedTest;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The memory-only cost model equals the Appendix A formulas, evaluated independently here, for random GQA
 * models and random KVP × TPA / TPF layouts:
 * T_KV = B·2·⌈K/TPA⌉·Hsz·(S/KVP)·bytes / BW, T_W = [2·H·(Q/TPA)·Hsz + 2·H·⌈K/TPA⌉·Hsz + 3·H·F/TPF]·bytes / BW.
 */
class AppendixFormulaTest {
    @RepeatedTest(25)
    void memory_terms_match_the_appendix_formulas() {
        long seed = Long.getLong("kiln.test.seed", System.nanoTime()); // -Dkiln.test.seed=N pins it
        Random r = new Random(seed);
        int k = 1 << r.nextInt(5);                 // 1..16 KV heads
        int q = k * (1 << r.nextInt(4));           // GQA groups of 1..8
        int hsz = 64 * (1 + r.nextInt(3));
        int h = q * hsz;
        int f = 256 * (1 + r.nextInt(200));
        int layers = 1 + r.nextInt(100);
        ModelSpec m = new ModelSpec("random", layers, h, f, new AttentionSpec(AttentionKind.GQA, q, k, hsz, 0, 0, 0, 0), null);
        HardwareSpec hw = Catalog.hardware("h100");
        Precision p = Precision.values()[r.nextInt(Precision.values().length)];
        double s = 1 + r.nextInt(1 << 20);
        SimSettings settings = SimSettings.memoryOnly(OutputProjection.AT_TPA).withContextTokens(s).withPrecision(p);
        int tpa = 1 << r.nextInt(7), kvp = 1 << r.nextInt(5), b = 1 << r.nextInt(9);
        int n = tpa * kvp;
        Layout l = new Layout(Strategy.HELIX, 1, 1, kvp, tpa, n, 1, b);

        double bw = hw.hbmBytesPerSecond();
        int kvPerGpu = (k + tpa - 1) / tpa;
        double tkv = b * 2.0 * kvPerGpu * hsz * (s / kvp) * p.bytes() / bw;
        double tw = (2.0 * h * ((double) q / tpa) * hsz + 2.0 * h * kvPerGpu * hsz + 3.0 * h * f / n) * p.bytes() / bw;

        LayerCost c = new CostModel(m, hw, settings).layer(l, false);
        String where = "seed " + seed + ": " + m + " " + l.describe() + " S=" + s + " " + p;
        assertEquals(tkv, c.kvBytes() / bw, 1e-9 * tkv, where);
        assertEquals(tw, c.weightBytes() / bw, 1e-9 * tw, where);
        assertEquals(layers * (tkv + tw), new CostModel(m, hw, settings).estimate(l).ttlSeconds(), 1e-9 * layers * (tkv + tw), where);
    }
}
