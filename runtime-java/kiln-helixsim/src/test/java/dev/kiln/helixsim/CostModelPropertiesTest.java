package dev.kiln.helixsim;

import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Identities the full model (FLOPs and communication on) must satisfy, on random layouts. */
class CostModelPropertiesTest {
    private static final List<String> MODELS = Catalog.MODELS;

    private static Layout randomHelix(Random r, ModelSpec m) {
        int tpa = Math.min(1 << r.nextInt(4), m.attention().kvHeads());
        int kvp = 1 << r.nextInt(7);
        int n = tpa * kvp;
        int ep = m.isMoe() ? 1 << r.nextInt(Integer.numberOfTrailingZeros(n) + 1) : 1;
        return new Layout(Strategy.HELIX, 1, 1, kvp, tpa, n / ep, ep, 1 << r.nextInt(10));
    }

    @RepeatedTest(20)
    void hop_b_never_costs_time_and_all_to_all_volume_does_not_grow_with_context() {
        long seed = Long.getLong("kiln.test.seed", System.nanoTime()); // -Dkiln.test.seed=N pins it
        Random r = new Random(seed);
        ModelSpec m = Catalog.model(MODELS.get(r.nextInt(MODELS.size())));
        HardwareSpec hw = Catalog.hardware(Catalog.HARDWARE.get(r.nextInt(Catalog.HARDWARE.size())));
        Layout l = randomHelix(r, m);
        SimSettings on = SimSettings.paper(), off = on.withHopB(false);
        String where = "seed " + seed + ": " + m.name() + " " + hw.name() + " " + l.describe();
        double ttlOn = new CostModel(m, hw, on).estimate(l).ttlSeconds();
        double ttlOff = new CostModel(m, hw, off).estimate(l).ttlSeconds();
        assertTrue(ttlOn <= ttlOff * (1 + 1e-12), where + ": HOP-B on " + ttlOn + " > off " + ttlOff);
        // Lock-step communication is independent of S (paper §2.1.2): only the KV terms change with context.
        double c1 = new CostModel(m, hw, off.withContextTokens(4096)).estimate(l).commSeconds();
        double c2 = new CostModel(m, hw, off.withContextTokens(1 << 22)).estimate(l).commSeconds();
        assertEquals(c1, c2, 1e-15, where);
    }

    @RepeatedTest(10)
    void helix_with_kvp_1_is_tensor_parallel_attention() {
        long seed = Long.getLong("kiln.test.seed", System.nanoTime()); // -Dkiln.test.seed=N pins it
        Random r = new Random(seed);
        ModelSpec m = Catalog.model(r.nextBoolean() ? "llama-405b" : "llama-70b");
        HardwareSpec hw = Catalog.hardware("gb200");
        int n = 1 << r.nextInt(4);    // ≤ K = 8
        int b = 1 << r.nextInt(8);
        for (OutputProjection wo : OutputProjection.values()) {
            CostModel model = new CostModel(m, hw, SimSettings.paper().withOutputProjection(wo));
            Estimate helix = model.estimate(new Layout(Strategy.HELIX, 1, 1, 1, n, n, 1, b));
            Estimate tp = model.estimate(new Layout(Strategy.TP, 1, 1, 1, n, n, 1, b));
            assertEquals(tp.ttlSeconds(), helix.ttlSeconds(), 1e-15, "seed " + seed + " N=" + n + " B=" + b + " " + wo);
            assertEquals(tp.weightBytesPerGpu() + tp.kvBytesPerGpu(), helix.weightBytesPerGpu() + helix.kvBytesPerGpu(), 1e-3);
        }
    }

    @Test
    void hop_b_hides_the_bandwidth_of_all_but_the_last_micro_batch() {
        // DeepSeek-R1, KVP64, B = 256: the all-to-all is bandwidth-heavy and attention long enough to hide it.
        ModelSpec m = Catalog.model("deepseek-r1");
        HardwareSpec hw = Catalog.hardware("gb200");
        Layout l = new Layout(Strategy.HELIX, 1, 1, 64, 1, 64, 1, 256);
        CostModel on = new CostModel(m, hw, SimSettings.paper());
        CostModel off = new CostModel(m, hw, SimSettings.paper().withHopB(false));
        double attentionCore = Math.max(on.layer(l, true).kvBytes() / hw.effectiveHbmBytesPerSecond(), 0);
        double lockStep = off.exposedAllToAll(l, attentionCore);
        double overlapped = on.exposedAllToAll(l, attentionCore);
        double alpha = hw.nvlink().alphaSeconds();
        assertTrue(overlapped < lockStep, "overlapped " + overlapped + " lock-step " + lockStep);
        assertTrue(overlapped >= alpha, "the last micro-batch's α always shows");
        assertTrue(overlapped <= alpha + (lockStep - alpha) / 2 + 1e-15, "at least half the transfer hidden");
    }

    @Test
    void bad_layouts_and_specs_say_which_field_is_wrong() {
        var e = assertThrows(IllegalArgumentException.class, () -> new Layout(Strategy.HELIX, 1, 1, 8, 8, 32, 1, 8));
        assertTrue(e.getMessage().contains("tpf × ep = 32 × 1"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new Layout(Strategy.DP_ATTENTION, 1, 4, 1, 2, 8, 1, 2));
        assertTrue(e.getMessage().contains("batch = 2"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new AttentionSpec(AttentionKind.GQA, 12, 5, 128, 0, 0, 0, 0));
        assertTrue(e.getMessage().contains("attention.kvHeads = 5"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Catalog.model("no-such-model"));
        assertTrue(e.getMessage().contains("no-such-model"), e.getMessage());
    }
}
