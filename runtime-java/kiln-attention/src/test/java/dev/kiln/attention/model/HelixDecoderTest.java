package dev.kiln.attention.model;

import dev.kiln.attention.KvDtype;
import dev.kiln.attention.helix.HelixMapping;
import dev.kiln.device.Device;
import dev.kiln.device.Devices;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Multi-step decode: Helix with staggered round-robin KV appends across KVP ranks must give the logits
 * of the single-rank decoder (rel ≤ 1e-5) and the same argmax, token by token.
 */
class HelixDecoderTest {
    static final int STEPS = 68;

    @ParameterizedTest(name = "{0} KVP={1} TPA={2} append block {3} HOP-B {4} EP={5}")
    @CsvSource({
            "test-gqa, 4, 2, 4, true, 1",
            "test-gqa, 3, 1, 5, false, 1",
            "test-mla, 4, 1, 4, true, 1",
            "test-moe, 4, 2, 4, true, 4",    // FFN on TPF 2 x EP 4
            "test-moe, 3, 2, 5, false, 3",   // TPF 2 x EP 3: uneven expert groups
    })
    void round_robin_helix_decode_matches_single_rank(String model, int kvp, int tpa, int appendBlock, boolean hopB, int ep) {
        long seed = Long.getLong("kiln.test.seed", System.nanoTime()); // -Dkiln.test.seed=N pins it
        ModelShape s = ModelShape.named(model);
        int batch = 2;
        try (Device dev = Devices.open("cpu");
             HelixDecoder single = new HelixDecoder(dev, config(s, 1, 1, 1, appendBlock, batch, false, seed));
             HelixDecoder helix = new HelixDecoder(dev, config(s, kvp, tpa, ep, appendBlock, batch, hopB, seed))) {
            SplittableRandom r = new SplittableRandom(seed);
            int[] tokens = {r.nextInt(s.vocab()), r.nextInt(s.vocab())};
            double worst = 0;
            for (int step = 0; step < STEPS; step++) {
                float[] want = single.step(tokens);
                float[] got = helix.step(tokens);
                double num = 0, den = 0;
                for (int i = 0; i < want.length; i++) {
                    num += (double) (got[i] - want[i]) * (got[i] - want[i]);
                    den += (double) want[i] * want[i];
                }
                double rel = Math.sqrt(num / den);
                worst = Math.max(worst, rel);
                assertTrue(rel <= 1e-5, "seed " + seed + " step " + step + ": logits rel err " + rel);
                for (int b = 0; b < batch; b++) {
                    int a = HelixDecoder.argmax(want, b, s.vocab());
                    assertEquals(a, HelixDecoder.argmax(got, b, s.vocab()), "seed " + seed + " step " + step + " sequence " + b + ": argmax");
                    // Greedy continuation, perturbed now and then so the sequences do not settle into a loop.
                    tokens[b] = step % 7 == 3 ? r.nextInt(s.vocab()) : a;
                }
            }
            System.out.printf("%s KVP=%d TPA=%d: %d steps, worst logits rel err %.2e (seed %d)%n", model, kvp, tpa, STEPS, worst, seed);
        }
    }

    static HelixDecoder.Config config(ModelShape s, int kvp, int tpa, int ep, int appendBlock, int batch, boolean hopB, long seed) {
        HelixMapping m = HelixMapping.of(kvp, tpa, s.qHeads(), s.kvHeads()).withAppendBlock(appendBlock).withFfnGrid(kvp * tpa / ep, ep);
        return new HelixDecoder.Config(s, m, KvDtype.FP32, 8, batch, hopB ? batch : 1, hopB, 0, seed, STEPS + 1);
    }
}
