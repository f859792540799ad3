package dev.kiln.helixsim;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The hand-check table of issue 7 / the research note: Llama-405B, FP4 (0.5 B), 8 TB/s, B = 8, S = 2^20,
 * memory terms only (no FLOPs, no communication), 126 layers.
 */
class HandCheckTest {
    private static final ModelSpec LLAMA_405B = Catalog.model("llama-405b");
    private static final HardwareSpec IDEAL_8TBPS = Catalog.hardware("gb200");

    private static CostModel memoryOnly(OutputProjection wo) {
        return new CostModel(LLAMA_405B, IDEAL_8TBPS, SimSettings.memoryOnly(wo));
    }

    private static final Layout TP8 = new Layout(Strategy.TP, 1, 1, 1, 8, 8, 1, 8);
    private static final Layout TP64 = new Layout(Strategy.TP, 1, 1, 1, 64, 64, 1, 8);
    private static final Layout HELIX_KVP8_TPA8 = new Layout(Strategy.HELIX, 1, 1, 8, 8, 64, 1, 8);

    private static double micros(double bytes) { return bytes / 8e12 * 1e6; }

    private static double round1(double x) { return Math.round(x * 10) / 10.0; }

    @Test
    void bundled_llama_405b_has_the_appendix_shapes() {
        assertEquals(16384, LLAMA_405B.hiddenSize());
        assertEquals(53248, LLAMA_405B.ffnSize());
        assertEquals(126, LLAMA_405B.layers());
        assertEquals(128, LLAMA_405B.attention().queryHeads());
        assertEquals(8, LLAMA_405B.attention().kvHeads());
        assertEquals(128, LLAMA_405B.attention().headSize());
        assertEquals(8e12, IDEAL_8TBPS.effectiveHbmBytesPerSecond());
    }

    @Test
    void tp8_is_134_2_plus_24_9_us_per_layer_and_20_1_ms_per_token() {
        LayerCost c = memoryOnly(OutputProjection.AT_TPA).layer(TP8, false);
        assertEquals(134.2, round1(micros(c.kvBytes())));
        assertEquals(24.9, round1(micros(c.weightBytes())));
        double ms = memoryOnly(OutputProjection.AT_TPA).estimate(TP8).ttlSeconds() * 1e3;
        // Exactly 126 × 159.1214 µs = 20.049 ms; the table's 20.1 is 20.05 rounded half up.
        assertEquals(20.049, ms, 0.001);
        assertEquals(20.1, ms, 0.1);
        // N = TPA for TP, so the W_O convention does not matter here.
        assertEquals(ms, memoryOnly(OutputProjection.AT_N).estimate(TP8).ttlSeconds() * 1e3, 1e-12);
    }

    @Test
    void tp64_duplicates_kv_and_gives_17_3_ms_per_token() {
        LayerCost c = memoryOnly(OutputProjection.AT_TPA).layer(TP64, false);
        assertEquals(134.2, round1(micros(c.kvBytes())), "TP64 > K = 8: every GPU holds a whole KV head");
        assertEquals(3.3, round1(micros(c.weightBytes())));
        double ms = memoryOnly(OutputProjection.AT_TPA).estimate(TP64).ttlSeconds() * 1e3;
        assertEquals(17.3, round1(ms));
        assertEquals(17.333, ms, 0.001);
    }

    @Test
    void helix_kvp8_tpa8_tpf64_gives_3_0_ms_with_wo_charged_at_tpa_as_the_paper_does() {
        LayerCost c = memoryOnly(OutputProjection.AT_TPA).layer(HELIX_KVP8_TPA8, false);
        assertEquals(16.8, round1(micros(c.kvBytes())));
        assertEquals(7.0, round1(micros(c.weightBytes())));
        assertEquals(3.0, round1(memoryOnly(OutputProjection.AT_TPA).estimate(HELIX_KVP8_TPA8).ttlSeconds() * 1e3));
    }

    @Test
    void helix_with_wo_at_tp_n_as_it_runs_reads_less_and_gives_2_8_ms() {
        LayerCost c = memoryOnly(OutputProjection.AT_N).layer(HELIX_KVP8_TPA8, false);
        // W_Q at TPA = 8 (33.5 M) + W_K,W_V (4.2 M) + W_O at N = 64 (4.2 M) + FFN / 64 (40.9 M) elements, FP4.
        double expected = (16384.0 * 16 * 128 + 2 * 16384.0 * 128 + 16384.0 * 16384 / 64 + 3 * 16384.0 * 53248 / 64) * 0.5;
        assertEquals(expected, c.weightBytes(), 1e-6 * expected);
        assertEquals(5.2, round1(micros(c.weightBytes())));
        assertEquals(2.8, round1(memoryOnly(OutputProjection.AT_N).estimate(HELIX_KVP8_TPA8).ttlSeconds() * 1e3));
    }
}
