package dev.kiln.attention.model;

import dev.kiln.device.Device;
import dev.kiln.device.Devices;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One rank of an 8-rank Helix decode (KVP 4 × TPA 2) throws in the middle of a run: the step must fail within 10 s
 * naming that rank, where the other seven used to wait for it at their next all-to-all forever.
 */
class HelixDecoderFailFastTest {
    @Test
    void a_failing_rank_fails_the_step_naming_it() {
        ModelShape s = ModelShape.named("test-gqa");
        try (Device dev = Devices.open("cpu");
             HelixDecoder helix = new HelixDecoder(dev, HelixDecoderTest.config(s, 4, 2, 1, 4, 2, true, 7))) {
            int[] tokens = {1, 2};
            helix.step(tokens);
            helix.injectFault(5, new IllegalArgumentException("bad shape [2, 3] on this rank"));
            long t0 = System.nanoTime();
            IllegalArgumentException e = assertTimeoutPreemptively(Duration.ofSeconds(10),
                    () -> assertThrows(IllegalArgumentException.class, () -> helix.step(tokens)));
            double seconds = (System.nanoTime() - t0) / 1e9;
            assertEquals("rank 5 of 8 failed: bad shape [2, 3] on this rank", e.getMessage());
            assertTrue(seconds < 10, "took " + seconds + " s");
        }
    }
}
