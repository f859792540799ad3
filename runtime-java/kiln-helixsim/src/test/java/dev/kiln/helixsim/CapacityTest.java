package dev.kiln.helixsim;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The HBM capacity constraint, and the parameter counts it rests on. */
class CapacityTest {
    private static final HardwareSpec GB200 = Catalog.hardware("gb200");

    @Test
    void llama_405b_and_deepseek_r1_weigh_what_their_model_cards_say_without_embeddings() {
        ModelSpec llama = Catalog.model("llama-405b"), r1 = Catalog.model("deepseek-r1");
        Layout one = new Layout(Strategy.TP, 1, 1, 1, 1, 1, 1, 1);
        SimSettings s = SimSettings.paper();
        // 405 B total − 2 × 2.1 B (embedding and LM head, 128256 × 16384) ≈ 401 B in the decoder layers.
        assertEquals(401.6e9, new CostModel(llama, GB200, s).weightBytesHeld(one) / 0.5, 0.005 * 401.6e9);
        // DeepSeek-V3/R1: 671 B total − 2 × 0.93 B (embedding and LM head, 129280 × 7168) ≈ 669 B.
        assertEquals(669.2e9, new CostModel(r1, GB200, s).weightBytesHeld(one) / 0.5, 0.005 * 669.2e9);
    }

    @Test
    void kv_cache_of_one_million_tokens_is_what_the_shapes_give() {
        SimSettings s = SimSettings.paper();
        Layout one = new Layout(Strategy.TP, 1, 1, 1, 1, 1, 1, 1);
        // Llama-405B: 126 layers × 2 × 8 heads × 128 × 2^20 tokens × 0.5 B = 126 GiB.
        assertEquals(126.0 * 2 * 8 * 128 * (1 << 20) * 0.5, new CostModel(Catalog.model("llama-405b"), GB200, s).kvBytesHeld(one), 1);
        // DeepSeek-R1 MLA: 61 × (512 + 64) × 2^20 × 0.5 B.
        assertEquals(61.0 * 576 * (1 << 20) * 0.5, new CostModel(Catalog.model("deepseek-r1"), GB200, s).kvBytesHeld(one), 1);
    }

    @Test
    void an_over_full_layout_is_flagged_and_left_out_of_the_sweep() {
        ModelSpec llama = Catalog.model("llama-405b");
        CostModel m = new CostModel(llama, GB200, SimSettings.paper());
        // TP8 at B = 16: 25 GB of weights + 16 × 126 × 2 × 128 × 2^20 × 0.5 B = 271 GB of KV per GPU > 186 GB.
        Estimate full = m.estimate(new Layout(Strategy.TP, 1, 1, 1, 8, 8, 1, 16));
        assertFalse(full.fits());
        assertEquals(16 * 126.0 * 2 * 128 * (1 << 20) * 0.5, full.kvBytesPerGpu(), 1);
        Estimate ok = m.estimate(new Layout(Strategy.TP, 1, 1, 1, 8, 8, 1, 8));
        assertTrue(ok.fits(), "B = 8 needs 25 + 135 GB");

        List<Estimate> swept = new Sweep(m, 8, 64).baselines();
        assertTrue(swept.stream().anyMatch(e -> e.layout().equals(ok.layout())));
        assertFalse(swept.stream().anyMatch(e -> e.layout().equals(full.layout())));
        assertTrue(swept.stream().allMatch(e -> e.weightBytesPerGpu() + e.kvBytesPerGpu() <= GB200.hbmCapacityBytes()));
    }

    @Test
    void one_gpu_cannot_hold_llama_405b_at_fp4_with_a_million_tokens() {
        CostModel m = new CostModel(Catalog.model("llama-405b"), GB200, SimSettings.paper());
        assertTrue(new Sweep(m, 1, 64).baselines().isEmpty());
        assertTrue(new Sweep(m, 1, 64).helix().isEmpty());
    }
}
