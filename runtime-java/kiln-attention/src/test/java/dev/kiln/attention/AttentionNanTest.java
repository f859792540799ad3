package dev.kiln.attention;

import dev.kiln.device.Buffer;
import dev.kiln.device.Device;
import dev.kiln.device.Devices;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.lang.foreign.Arena;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Non-finite inputs reach the outputs as IEEE arithmetic carries them, on every decode kernel (the cpu's Java
 * token-major and dim-major kernels, the C kernel that the dim-major GQA case takes, OpenCL, CUDA): the fp64 reference,
 * which does nothing special about NaN, says which outputs are NaN, and the kernel must give NaN at exactly those
 * and the reference's values everywhere else. Before, a NaN score made a head's sum NaN, the state writer read
 * "not > 0" as an empty split and wrote (0, −∞): valid-looking zeros.
 */
class AttentionNanTest {

    @ParameterizedTest(name = "{0} {1} {2} keys, {3} at a random {4}, splits {5}")
    @CsvSource({
            "cpu, gqa, dim-major, NaN, q, 3",
            "cpu, gqa, dim-major, NaN, k, 3",
            "cpu, gqa, dim-major, NaN, v, 3",
            "cpu, gqa, dim-major, Infinity, q, 1",
            "cpu, gqa, token-major, NaN, q, 3",
            "cpu, gqa, token-major, NaN, k, 1",
            "cpu, gqa, token-major, NaN, v, 3",
            "cpu, small, dim-major, NaN, k, 2",
            "cpu, small, dim-major, NaN, v, 2",
            "cpu, small, token-major, Infinity, q, 2",
            "opencl, gqa, token-major, NaN, q, 3",
            "opencl, gqa, token-major, NaN, k, 3",
            "opencl, gqa, token-major, NaN, v, 1",
            "opencl, small, token-major, Infinity, q, 2",
            "cuda, gqa, token-major, NaN, k, 3",          // attention.cl compiled as CUDA: skipped where no GPU is present
            "cuda, small, token-major, Infinity, q, 2",
    })
    void a_non_finite_input_gives_nan_exactly_where_fp64_does(String backend, String shapeName, String layoutName,
                                                              float bad, String where, int splits) {
        assumeBackend(backend);
        long seed = Long.getLong("kiln.test.seed", System.nanoTime()); // -Dkiln.test.seed=N pins it
        DecodeShape shape = shapeName.equals("small") ? new DecodeShape(6, 2, 40, 24, false) : DecodeShape.named(shapeName);
        int batch = 2, seq = 300, block = 16;
        AttentionTestData data = AttentionTestData.random(shape, batch, seq, seed);
        SplittableRandom r = new SplittableRandom(seed ^ 0x5eed);
        float[] target = switch (where) {
            case "q" -> data.q();
            case "k" -> data.k();
            case "v" -> data.v();
            default -> throw new IllegalArgumentException(where);
        };
        int at = r.nextInt(target.length);
        target[at] = bad;
        ReferenceAttention.Result want = ReferenceAttention.attend(shape, batch, seq, data.q(), data.k(), data.v(), shape.defaultScale());
        try (Device dev = Devices.open(backend)) {
            KeyLayout layout = KeyLayout.valueOf(layoutName.toUpperCase(java.util.Locale.ROOT).replace('-', '_'));
            SplitKvDecodeAttentionTest.Outcome got = SplitKvDecodeAttentionTest.runKernel(dev, data, KvDtype.FP32, block, splits, layout);
            String ctx = "seed " + seed + " (-Dkiln.test.seed=" + seed + "), " + bad + " at " + where + "[" + at + "]";
            int nanRows = assertSameNans("o", got.o(), want.output(), ctx);
            assertSameNans("lse", got.lse(), want.lse(), ctx);
            assertTrue(nanRows > 0, ctx + ": the reference has no NaN output, the test injected nothing");
            assertTrue(relativeOverFinite(got.o(), want.output()) <= 1e-6, ctx + ": finite outputs differ from fp64");
        }
    }

    @Test
    void a_scale_that_is_not_finite_is_refused() {
        DecodeShape shape = new DecodeShape(6, 2, 40, 24, false);
        try (Device dev = Devices.open("cpu");
             PagedKvCache cache = new PagedKvCache(dev, shape, KvDtype.FP32, 16, 1, 16, KeyLayout.TOKEN_MAJOR);
             Arena arena = Arena.ofConfined();
             Buffer q = dev.upload(arena.allocate(ValueLayout.JAVA_FLOAT, 6 * 40))) {
            for (float scale : new float[]{Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY}) {
                var e = assertThrows(IllegalArgumentException.class, () -> SplitKvDecodeAttention.attend(q, cache, scale, 1));
                assertEquals("scale must be a finite number, was " + scale, e.getMessage());
            }
        }
    }

    /** NaN in got exactly where want is NaN; returns how many. */
    private static int assertSameNans(String what, float[] got, double[] want, String ctx) {
        int nans = 0;
        for (int i = 0; i < want.length; i++) {
            boolean wantNan = Double.isNaN(want[i]);
            if (wantNan != Float.isNaN(got[i])) {
                throw new AssertionError(ctx + ": " + what + "[" + i + "] is " + got[i] + ", the fp64 reference gives " + want[i]);
            }
            if (wantNan) nans++;
        }
        return nans;
    }

    private static double relativeOverFinite(float[] got, double[] want) {
        double num = 0, den = 0;
        for (int i = 0; i < want.length; i++) {
            if (Double.isNaN(want[i])) continue;
            num += (got[i] - want[i]) * (got[i] - want[i]);
            den += want[i] * want[i];
        }
        return den == 0 ? Math.sqrt(num) : Math.sqrt(num / den);
    }

    private static void assumeBackend(String backend) {
        Assumptions.assumeTrue(Devices.availableNames().contains(backend), "no " + backend + ": "
                + Devices.find(backend).map(b -> b.availability().reason()).orElse("backend missing"));
    }
}
