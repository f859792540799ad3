package dev.kiln.attention;

import dev.kiln.attention.helix.HelixMapping;
import dev.kiln.attention.helix.HelixVerification;
import dev.kiln.device.Device;
import dev.kiln.device.Devices;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** attention.cl on OpenCL (PoCL here) against fp64: split-KV decode, Helix over emulated ranks, merge. */
class OpenClAttentionTest {

    @ParameterizedTest(name = "{0} B={1} S={2} block={3} splits={4} {5}")
    @CsvSource({
            "gqa, 2, 777, 16, 3, fp32",
            "mqa, 1, 300, 32, 0, fp32",
            "mla, 1, 200, 64, 2, fp32",
            "small, 3, 50, 7, 3, fp32",
            "gqa, 1, 500, 16, 2, bf16",
    })
    void split_kv_decode_matches_fp64(String shapeName, int batch, int seq, int block, int splits, String dtypeName) {
        Assumptions.assumeTrue(Devices.availableNames().contains("opencl"), "no OpenCL: " + Devices.find("opencl").map(b -> b.availability().reason()).orElse("backend missing"));
        long seed = Long.getLong("kiln.test.seed", System.nanoTime()); // -Dkiln.test.seed=N pins it
        DecodeShape shape = shapeName.equals("small") ? new DecodeShape(6, 2, 40, 24, false) : DecodeShape.named(shapeName);
        KvDtype dtype = KvDtype.parse(dtypeName);
        AttentionTestData data = AttentionTestData.random(shape, batch, seq, seed);
        try (Device dev = Devices.open("opencl")) {
            SplitKvDecodeAttentionTest.Outcome got = SplitKvDecodeAttentionTest.runKernel(dev, data, dtype, block, splits);
            float[] kRef = data.k().clone(), vRef = data.v().clone();
            if (dtype == KvDtype.BF16) {
                for (int i = 0; i < kRef.length; i++) kRef[i] = Bf16.round(kRef[i]);
                for (int i = 0; i < vRef.length; i++) vRef[i] = Bf16.round(vRef[i]);
            }
            ReferenceAttention.Result want = ReferenceAttention.attend(shape, batch, seq, data.q(), kRef, vRef, shape.defaultScale());
            double rel = Errors.relative(got.o(), want.output());
            assertTrue(rel <= 1e-6, "seed " + seed + ": output rel err " + rel);
            assertTrue(Errors.maxAbs(got.lse(), want.lse()) <= 1e-4, "seed " + seed + ": lse err");
        }
    }

    @ParameterizedTest(name = "helix {0} KVP={1} TPA={2} S={3}")
    @CsvSource({"gqa, 3, 2, 155", "mla, 4, 1, 45"})
    void helix_on_opencl_matches_fp64(String shapeName, int kvp, int tpa, int seq) {
        Assumptions.assumeTrue(Devices.availableNames().contains("opencl"), "no OpenCL");
        long seed = Long.getLong("kiln.test.seed", System.nanoTime()); // -Dkiln.test.seed=N pins it
        DecodeShape s = DecodeShape.named(shapeName);
        try (Device dev = Devices.open("opencl")) {
            HelixVerification.Case c = HelixVerification.one(dev, HelixMapping.of(kvp, tpa, s.qHeads(), s.kvHeads()), s, KvDtype.FP32, 16, 1, seq, seed);
            assertTrue(c.passed(), c.toString());
        }
    }
}
