package dev.kiln.attention;

import dev.kiln.attention.helix.HelixMapping;
import dev.kiln.attention.helix.HelixVerification;
import dev.kiln.attention.model.HelixDecoder;
import dev.kiln.attention.model.ModelShape;
import dev.kiln.device.Availability;
import dev.kiln.device.Device;
import dev.kiln.device.Devices;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The attention workloads on one device backend (OpenCL, CUDA) against the references the cpu tests use:
 * both decode kernels (split-kv, flash) against fp64 attention, fp32 and bf16, GQA/MQA/MLA, S not a
 * multiple of the tile, more splits than tokens (empty splits); the merge against the fp64 merge formula
 * with empty and all-empty shards; Helix over emulated ranks (with zero-token ranks) against fp64; and the
 * multi-step Helix decoder equal to one rank. Each subclass names its backend; without it every test
 * skips and says why.
 */
abstract class DeviceAttentionSuite {
    /** The backend under test: {@code opencl} or {@code cuda}. */
    abstract String backend();

    /** The Helix exactness matrix to run on this backend. */
    abstract HelixVerification.Options helixOptions(long seed);

    Device open() {
        Availability a = Devices.find(backend()).map(b -> b.availability()).orElse(Availability.no("backend missing"));
        Assumptions.assumeTrue(a.available(), () -> "no " + backend() + " device here: " + a.reason()
                + (backend().equals("cuda") ? " (GPU run pending)" : ""));
        return Devices.open(backend());
    }

    @ParameterizedTest(name = "{0} {1} B={2} S={3} block={4} splits={5} {6}")
    @CsvSource({
            "flash, gqa, 2, 777, 16, 3, fp32",
            "flash, gqa, 1, 500, 16, 2, bf16",
            "flash, mqa, 1, 300, 32, 0, fp32",
            "flash, mqa, 2, 130, 64, 3, bf16",
            "flash, mla, 1, 200, 64, 2, fp32",
            "flash, mla, 1, 97, 64, 2, bf16",
            "flash, small, 3, 50, 7, 3, fp32",
            "flash, gqa, 2, 5, 16, 8, fp32",    // more splits than tokens: empty splits emit (0, -inf)
            "flash, gqa, 1, 1, 16, 1, bf16",
            "split-kv, gqa, 2, 777, 16, 3, fp32",
            "split-kv, mqa, 1, 300, 32, 0, fp32",
            "split-kv, mla, 1, 200, 64, 2, fp32",
            "split-kv, small, 3, 50, 7, 3, fp32",
            "split-kv, gqa, 1, 500, 16, 2, bf16",
            "split-kv, gqa, 2, 5, 16, 8, fp32",
    })
    void decode_matches_fp64(String kernelName, String shapeName, int batch, int seq, int block, int splits, String dtypeName) {
        long seed = Long.getLong("kiln.test.seed", System.nanoTime()); // -Dkiln.test.seed=N pins it
        DecodeShape shape = shapeName.equals("small") ? new DecodeShape(6, 2, 40, 24, false) : DecodeShape.named(shapeName);
        KvDtype dtype = KvDtype.parse(dtypeName);
        DecodeKernel kernel = DecodeKernel.parse(kernelName);
        AttentionTestData data = AttentionTestData.random(shape, batch, seq, seed);
        try (Device dev = open()) {
            SplitKvDecodeAttentionTest.Outcome got = SplitKvDecodeAttentionTest.runKernel(dev, data, dtype, block, splits, KeyLayout.TOKEN_MAJOR, kernel);
            float[] kRef = data.k().clone(), vRef = data.v().clone();
            if (dtype == KvDtype.BF16) {
                for (int i = 0; i < kRef.length; i++) kRef[i] = Bf16.round(kRef[i]);
                for (int i = 0; i < vRef.length; i++) vRef[i] = Bf16.round(vRef[i]);
            }
            ReferenceAttention.Result want = ReferenceAttention.attend(shape, batch, seq, data.q(), kRef, vRef, shape.defaultScale());
            double rel = Errors.relative(got.o(), want.output());
            double lseErr = Errors.maxAbs(got.lse(), want.lse());
            assertTrue(rel <= 1e-6, kernel.label() + " seed " + seed + ": output rel err " + rel);
            assertTrue(lseErr <= 1e-5 * Math.max(1, Math.log(seq + 1)), kernel.label() + " seed " + seed + ": lse err " + lseErr);
        }
    }

    @Test
    void nan_in_the_cache_gives_nan_out_of_both_kernels() {
        long seed = Long.getLong("kiln.test.seed", System.nanoTime()); // -Dkiln.test.seed=N pins it
        DecodeShape shape = DecodeShape.named("gqa");
        AttentionTestData data = AttentionTestData.random(shape, 1, 100, seed);
        data.k()[37 * shape.kvHeads() * shape.kDim() + 5] = Float.NaN; // token 37, KV head 0
        try (Device dev = open()) {
            for (DecodeKernel kernel : DecodeKernel.values()) {
                SplitKvDecodeAttentionTest.Outcome got = SplitKvDecodeAttentionTest.runKernel(dev, data, KvDtype.FP32, 16, 2, KeyLayout.TOKEN_MAJOR, kernel);
                for (int h = 0; h < shape.groupSize(); h++) {
                    assertTrue(Float.isNaN(got.o()[h * shape.vDim()]), kernel.label() + ": head " + h + " of KV head 0 must be NaN");
                }
                int other = shape.groupSize() * shape.vDim(); // KV head 1 never sees the NaN
                assertTrue(Float.isFinite(got.o()[other]), kernel.label() + ": KV head 1 must stay finite");
            }
        }
    }

    @Test
    void merge_matches_the_fp64_formula_with_empty_and_all_empty_shards() {
        long seed = Long.getLong("kiln.test.seed", System.nanoTime()); // -Dkiln.test.seed=N pins it
        SplittableRandom r = new SplittableRandom(seed);
        int n = 5, rows = 300, dim = 72;
        float[] o = new float[n * rows * dim], lse = new float[n * rows];
        for (int i = 0; i < o.length; i++) o[i] = (float) r.nextGaussian();
        for (int i = 0; i < lse.length; i++) lse[i] = (float) r.nextDouble(-40, 40);
        for (int row = 0; row < rows; row += 3) lse[r.nextInt(n) * rows + row] = Float.NEGATIVE_INFINITY; // one empty shard
        for (int i = 0; i < n; i++) lse[i * rows + 7] = Float.NEGATIVE_INFINITY;                        // row 7: all empty
        float[][] got;
        try (Device dev = open()) {
            got = HelixVerification.merge(dev, o, lse, n, rows, dim);
        }
        for (int row = 0; row < rows; row++) {
            double mx = Double.NEGATIVE_INFINITY;
            for (int i = 0; i < n; i++) mx = Math.max(mx, lse[i * rows + row]);
            if (mx == Double.NEGATIVE_INFINITY) {
                assertEquals(Float.NEGATIVE_INFINITY, got[1][row], "row " + row + ": all shards empty");
                for (int d = 0; d < dim; d++) assertEquals(0f, got[0][row * dim + d], "row " + row + ": all shards empty");
                continue;
            }
            double sum = 0;
            for (int i = 0; i < n; i++) sum += Math.exp(lse[i * rows + row] - mx);
            assertEquals(mx + Math.log(sum), got[1][row], 1e-5 * Math.max(1, Math.abs(mx)), "seed " + seed + " row " + row + " lse");
            for (int d = 0; d < dim; d++) {
                double want = 0;
                for (int i = 0; i < n; i++) want += Math.exp(lse[i * rows + row] - mx) * o[(i * rows + row) * dim + d];
                want /= sum;
                assertEquals(want, got[0][row * dim + d], 1e-5 * (1 + Math.abs(want)), "seed " + seed + " row " + row + " d " + d);
            }
        }
    }

    @Test
    void helix_attention_on_emulated_ranks_matches_fp64() {
        long seed = Long.getLong("kiln.test.seed", System.nanoTime()); // -Dkiln.test.seed=N pins it
        List<HelixVerification.Case> cases;
        try (Device dev = open()) {
            cases = HelixVerification.run(dev, helixOptions(seed));
        }
        assertTrue(cases.stream().anyMatch(c -> c.zeroTokenRanks() > 0), "some case must leave ranks empty");
        assertEquals(List.of(), cases.stream().filter(c -> !c.passed()).toList(), "seed " + seed + ", " + cases.size() + " cases");
    }

    @ParameterizedTest(name = "{0} KVP={1} TPA={2}")
    @CsvSource({"test-gqa, 4, 2", "test-mla, 3, 1"})
    void multi_step_helix_decode_equals_one_rank(String model, int kvp, int tpa) {
        long seed = Long.getLong("kiln.test.seed", System.nanoTime()); // -Dkiln.test.seed=N pins it
        int steps = 24, batch = 2;
        ModelShape s = ModelShape.named(model);
        try (Device dev = open();
             HelixDecoder single = new HelixDecoder(dev, decoderConfig(s, 1, 1, batch, seed, steps));
             HelixDecoder helix = new HelixDecoder(dev, decoderConfig(s, kvp, tpa, batch, seed, steps))) {
            SplittableRandom r = new SplittableRandom(seed);
            int[] tokens = {r.nextInt(s.vocab()), r.nextInt(s.vocab())};
            for (int step = 0; step < steps; step++) {
                float[] want = single.step(tokens), got = helix.step(tokens);
                double num = 0, den = 0;
                for (int i = 0; i < want.length; i++) {
                    num += (double) (got[i] - want[i]) * (got[i] - want[i]);
                    den += (double) want[i] * want[i];
                }
                assertTrue(Math.sqrt(num / den) <= 1e-5, "seed " + seed + " step " + step + ": logits rel err " + Math.sqrt(num / den));
                for (int b = 0; b < batch; b++) {
                    int a = HelixDecoder.argmax(want, b, s.vocab());
                    assertEquals(a, HelixDecoder.argmax(got, b, s.vocab()), "seed " + seed + " step " + step + " sequence " + b);
                    tokens[b] = step % 5 == 2 ? r.nextInt(s.vocab()) : a;
                }
            }
        }
    }

    private static HelixDecoder.Config decoderConfig(ModelShape s, int kvp, int tpa, int batch, long seed, int steps) {
        HelixMapping m = HelixMapping.of(kvp, tpa, s.qHeads(), s.kvHeads()).withAppendBlock(4);
        return new HelixDecoder.Config(s, m, KvDtype.FP32, 8, batch, 1, false, 0, seed, steps + 1);
    }

    @Test
    void flash_refuses_what_it_cannot_run_with_one_line() {
        try (Device dev = open()) {
            DecodeShape wide = new DecodeShape(4, 1, 4096, 64, false);
            try (PagedKvCache cache = new PagedKvCache(dev, wide, KvDtype.FP32, 16, 1, 16);
                 var q = dev.allocate(4L * 4096 * Float.BYTES)) {
                var e = assertThrows(IllegalArgumentException.class, () -> SplitKvDecodeAttention.attend(q, cache, 1f, 1, DecodeKernel.FLASH));
                assertTrue(e.getMessage().contains("kDim must be <= 2304") && e.getMessage().contains("4096"), e.getMessage());
            }
        }
    }
}
