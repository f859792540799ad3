package dev.kiln.attention;

import dev.kiln.device.Buffer;
import dev.kiln.device.Device;
import dev.kiln.device.Devices;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static org.junit.jupiter.api.Assertions.assertTrue;

class SplitKvDecodeAttentionTest {

    @ParameterizedTest(name = "{0} B={1} S={2} block={3} splits={4} {5} {6} keys")
    @CsvSource({
            "gqa, 2, 1, 16, 0, fp32, dim-major",
            "gqa, 2, 1000, 16, 0, fp32, dim-major",
            "gqa, 1, 777, 64, 5, fp32, dim-major",
            "gqa, 2, 1000, 128, 1, fp32, dim-major",
            "mqa, 2, 300, 32, 3, fp32, dim-major",
            "mqa, 1, 300, 64, 1, fp32, dim-major",
            "mha, 1, 129, 16, 2, fp32, dim-major",
            "small, 3, 50, 7, 3, fp32, dim-major",
            "gqa, 2, 500, 16, 0, bf16, dim-major",
            "gqa, 2, 700, 128, 2, bf16, dim-major",
            "gqa, 1, 1000, 64, 3, bf16, dim-major",
            "mqa, 2, 300, 64, 3, bf16, dim-major",
            "mha, 1, 129, 64, 2, bf16, dim-major",
            "small, 3, 50, 7, 3, bf16, dim-major",
            "group4-dv64, 2, 300, 64, 2, bf16, dim-major",
            "gqa, 2, 1000, 16, 0, fp32, token-major",
            "gqa, 1, 777, 64, 5, fp32, token-major",
            "mqa, 2, 300, 32, 3, fp32, token-major",
            "mha, 1, 129, 16, 2, fp32, token-major",
            "small, 3, 50, 7, 3, fp32, token-major",
            "gqa, 2, 500, 16, 0, bf16, token-major",
            "mla, 1, 333, 64, 4, fp32, token-major",
            "mla, 1, 200, 64, 2, bf16, token-major",
    })
    void matches_the_fp64_reference(String shapeName, int batch, int seq, int block, int splits, String dtypeName, String layoutName) {
        long seed = Long.getLong("kiln.test.seed", System.nanoTime()); // -Dkiln.test.seed=N pins it
        DecodeShape shape = switch (shapeName) {
            case "small" -> new DecodeShape(6, 2, 40, 24, false);
            case "group4-dv64" -> new DecodeShape(8, 2, 64, 64, false); // full score tiles, V rows too short for the paired V loop
            default -> DecodeShape.named(shapeName);
        };
        KvDtype dtype = KvDtype.parse(dtypeName);
        AttentionTestData data = AttentionTestData.random(shape, batch, seq, seed);
        try (Device dev = Devices.open("cpu")) {
            KeyLayout layout = KeyLayout.valueOf(layoutName.toUpperCase(java.util.Locale.ROOT).replace('-', '_'));
            Outcome got = runKernel(dev, data, dtype, block, splits, layout);
            float[] kRef = data.k().clone(), vRef = data.v().clone();
            if (dtype == KvDtype.BF16) {
                for (int i = 0; i < kRef.length; i++) kRef[i] = Bf16.round(kRef[i]);
                for (int i = 0; i < vRef.length; i++) vRef[i] = Bf16.round(vRef[i]);
            }
            ReferenceAttention.Result want = ReferenceAttention.attend(shape, batch, seq, data.q(), kRef, vRef, shape.defaultScale());
            double rel = Errors.relative(got.o, want.output());
            double lseErr = Errors.maxAbs(got.lse, want.lse());
            assertTrue(rel <= 1e-6, "seed " + seed + ": output rel err " + rel);
            assertTrue(lseErr <= 1e-5 * Math.max(1, Math.log(seq + 1)), "seed " + seed + ": lse err " + lseErr);
        }
    }

    /**
     * The token-major Java kernel keeps per-thread scratch across calls: after MHA (1 head per group, kDim 128)
     * the small shape (3 heads, kDim 40) needs more score scratch but less of the rest, which used to go
     * unnoticed (an index out of bounds, depending on which pool thread had run what).
     */
    @org.junit.jupiter.api.Test
    void a_group_wider_than_the_previous_shape_gets_its_own_scratch() {
        long seed = Long.getLong("kiln.test.seed", System.nanoTime()); // -Dkiln.test.seed=N pins it
        try (Device dev = Devices.open("cpu")) {
            DecodeShape small = new DecodeShape(6, 2, 40, 24, false);
            for (DecodeShape shape : new DecodeShape[]{DecodeShape.named("mha"), small}) {
                AttentionTestData data = AttentionTestData.random(shape, 1, 200, seed);
                Outcome got = runKernel(dev, data, KvDtype.FP32, 16, 4, KeyLayout.TOKEN_MAJOR);
                ReferenceAttention.Result want = ReferenceAttention.attend(shape, 1, 200, data.q(), data.k(), data.v(), shape.defaultScale());
                double rel = Errors.relative(got.o, want.output());
                assertTrue(rel <= 1e-6, "seed " + seed + " " + shape + ": output rel err " + rel);
            }
        }
    }

    @org.junit.jupiter.api.Test
    void dim_major_keys_are_refused_where_no_kernel_reads_them() {
        try (Device dev = Devices.open("cpu")) {
            var e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                    () -> new PagedKvCache(dev, DecodeShape.named("mla"), KvDtype.FP32, 64, 1, 64, KeyLayout.DIM_MAJOR));
            assertTrue(e.getMessage().contains("latent V"), e.getMessage());
            assertTrue(KeyLayout.preferredFor(dev, DecodeShape.named("gqa"), KvDtype.FP32) == KeyLayout.DIM_MAJOR);
            // bf16 is dim-major only where the kernel's 16-lane bf16 path runs (AVX-512), token-major elsewhere.
            boolean sixteenLanes = jdk.incubator.vector.FloatVector.SPECIES_PREFERRED.length() == 16;
            assertTrue(KeyLayout.preferredFor(dev, DecodeShape.named("gqa"), KvDtype.BF16)
                    == (sixteenLanes ? KeyLayout.DIM_MAJOR : KeyLayout.TOKEN_MAJOR));
            assertTrue(KeyLayout.preferredFor(dev, DecodeShape.named("mla"), KvDtype.BF16) == KeyLayout.TOKEN_MAJOR);
        }
    }

    record Outcome(float[] o, float[] lse) {}

    static Outcome runKernel(Device dev, AttentionTestData data, KvDtype dtype, int block, int splits) {
        return runKernel(dev, data, dtype, block, splits, KeyLayout.preferredFor(dev, data.shape(), dtype));
    }

    static Outcome runKernel(Device dev, AttentionTestData data, KvDtype dtype, int block, int splits, KeyLayout layout) {
        return runKernel(dev, data, dtype, block, splits, layout, DecodeKernel.defaultFor(dev));
    }

    static Outcome runKernel(Device dev, AttentionTestData data, KvDtype dtype, int block, int splits, KeyLayout layout, DecodeKernel kernel) {
        DecodeShape shape = data.shape();
        try (PagedKvCache cache = new PagedKvCache(dev, shape, dtype, block, data.batch(), data.seq(), layout);
             Arena arena = Arena.ofConfined()) {
            // Append in two pieces per sequence, interleaving sequences, so pages are not in order.
            int half = data.seq() / 2;
            for (int[] range : new int[][]{{0, half}, {half, data.seq()}}) {
                for (int b = 0; b < data.batch(); b++) {
                    MemorySegment k = arena.allocateFrom(ValueLayout.JAVA_FLOAT, data.kOf(b, range[0], range[1]));
                    MemorySegment v = arena.allocateFrom(ValueLayout.JAVA_FLOAT, data.vOf(b, range[0], range[1]));
                    cache.append(b, k, v, range[1] - range[0]);
                }
            }
            try (Buffer q = dev.upload(arena.allocateFrom(ValueLayout.JAVA_FLOAT, data.q()));
                 SplitKvDecodeAttention.Result r = SplitKvDecodeAttention.attend(q, cache, shape.defaultScale(), splits, kernel)) {
                MemorySegment o = arena.allocate(r.output().byteSize()), l = arena.allocate(r.lse().byteSize());
                dev.queue().read(r.output(), 0, o);
                dev.queue().read(r.lse(), 0, l);
                return new Outcome(o.toArray(ValueLayout.JAVA_FLOAT), l.toArray(ValueLayout.JAVA_FLOAT));
            }
        }
    }
}
