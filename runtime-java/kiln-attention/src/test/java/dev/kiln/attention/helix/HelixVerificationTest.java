package dev.kiln.attention.helix;

import dev.kiln.device.Device;
import dev.kiln.device.Devices;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The whole exactness matrix of {@code kiln helix verify} on the cpu: KVP ∈ {1,2,3,4,8} × TPA ∈ {1,2,K},
 * S = 1 / ragged / zero-token ranks, GQA/MQA/MLA at their real head counts (short S), bf16 caches
 * against TensorRT-LLM's tolerances, merge order invariance and associativity.
 */
class HelixVerificationTest {
    @Test
    void every_case_of_the_matrix_passes() {
        long seed = Long.getLong("kiln.test.seed", System.nanoTime()); // -Dkiln.test.seed=N pins it
        List<HelixVerification.Case> cases;
        try (Device dev = Devices.open("cpu")) {
            cases = HelixVerification.run(dev, HelixVerification.Options.full(seed));
        }
        assertTrue(cases.size() >= 70, "matrix has " + cases.size() + " cases");
        assertTrue(cases.stream().anyMatch(c -> c.zeroTokenRanks() > 0), "some case must leave ranks empty");
        assertTrue(cases.stream().anyMatch(c -> c.seq() == 1), "S = 1 must be covered");
        for (HelixVerification.Case c : cases) {
            if (c.dtype().equals("bf16")) {
                System.out.printf("bf16 %s KVP=%d S=%d: max abs err %.3e, mismatch ratio %.4f (atol %.2f, rtol %.2f)%n",
                        c.shape(), c.kvp(), c.seq(), c.maxAbsError(), c.mismatchRatio(), HelixVerification.BF16_ATOL, HelixVerification.BF16_RTOL);
            }
        }
        List<HelixVerification.Case> failed = cases.stream().filter(c -> !c.passed()).toList();
        assertEquals(List.of(), failed, "seed " + seed);
    }

    @Test
    void round_robin_placement_is_staggered_by_blocks_and_counts_add_up() {
        HelixMapping m = HelixMapping.of(3, 1, 8, 8).withAppendBlock(16);
        assertEquals(0, m.kvOwner(15));
        assertEquals(1, m.kvOwner(16));
        assertEquals(2, m.kvOwner(47));
        assertEquals(0, m.kvOwner(48));
        for (int len : new int[]{0, 1, 15, 16, 17, 47, 48, 49, 1000}) {
            int sum = 0;
            for (int r = 0; r < 3; r++) {
                int direct = 0;
                for (int p = 0; p < len; p++) if (m.kvOwner(p) == r) direct++;
                assertEquals(direct, m.tokensOn(r, len), "rank " + r + " length " + len);
                sum += direct;
            }
            assertEquals(len, sum);
        }
    }

    @Test
    void mapping_rejects_kv_duplication_and_moe() {
        var e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> HelixMapping.of(2, 3, 32, 8));
        assertTrue(e.getMessage().contains("tpa"), e.getMessage());
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> new HelixMapping(2, 2, 4, 2, 32, 8, 16));
    }
}
