package dev.kiln.attention.cpu;

import dev.kiln.attention.DecodeShape;
import dev.kiln.attention.KeyLayout;
import dev.kiln.attention.KvDtype;
import dev.kiln.attention.PagedKvCache;
import dev.kiln.device.KilnNativeException;
import dev.kiln.device.Buffer;
import dev.kiln.device.Device;
import dev.kiln.device.Devices;
import dev.kiln.device.cpu.CpuNativeKernels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The C kernel against the Java kernel it repeats, bit for bit, over the shapes it takes: full tiles, tiles cut by
 * split boundaries and by short pages, key dimensions that are not a multiple of the 64-dimension chain, pages of
 * two sequences interleaved in the pool. (Both are held to the fp64 reference by SplitKvDecodeAttentionTest and
 * {@code kiln helix verify}, which run the native kernel wherever it applies.)
 */
class SplitKvDecodeCpuNativeTest {

    @ParameterizedTest(name = "{0}/{1} heads, dk {2}, dv {3}, B={4} S={5} block={6} splits={7} {8}")
    @CsvSource({
            "32, 8, 128, 128, 1, 4096, 64, 8, fp32",
            "32, 8, 128, 128, 2, 1000, 64, 3, fp32",
            "32, 8, 128, 128, 2, 777, 16, 5, fp32",
            "32, 1, 128, 128, 1, 300, 64, 2, fp32",
            "8, 2, 40, 128, 3, 150, 7, 3, fp32",
            "16, 4, 100, 256, 1, 333, 128, 1, fp32",
            "32, 8, 64, 64, 1, 1000, 16, 3, fp32",
            "32, 8, 64, 64, 1, 67, 16, 1, fp32",
            "8, 2, 64, 192, 2, 300, 32, 2, fp32",
            "32, 8, 128, 128, 1, 4096, 64, 8, bf16",
            "32, 8, 128, 128, 2, 1000, 64, 3, bf16",
            "32, 8, 128, 128, 2, 777, 16, 5, bf16",
            "32, 1, 128, 128, 1, 300, 64, 2, bf16",
            "8, 2, 40, 128, 3, 150, 7, 3, bf16",
            "16, 4, 100, 256, 1, 333, 128, 1, bf16",
    })
    void gives_the_java_kernels_bits(int hq, int hkv, int dk, int dv, int batch, int seq, int block, int splits, String dtype) {
        assumeTrue(CpuNativeKernels.isAvailable(), "no native cpu kernels: " + CpuNativeKernels.unavailabilityCause());
        long seed = Long.getLong("kiln.test.seed", System.nanoTime()); // -Dkiln.test.seed=N pins it
        DecodeShape shape = new DecodeShape(hq, hkv, dk, dv, false);
        SplittableRandom r = new SplittableRandom(seed);
        try (Device dev = Devices.open("cpu");
             PagedKvCache cache = new PagedKvCache(dev, shape, KvDtype.parse(dtype), block, batch, seq, KeyLayout.DIM_MAJOR);
             Arena arena = Arena.ofShared()) { // the kernels' tasks run on the cpu pool's threads
            // Sequences appended in turns, so their pages interleave in the pool and the block table matters.
            for (int from = 0; from < seq; from += 37) {
                int tokens = Math.min(37, seq - from);
                for (int b = 0; b < batch; b++) {
                    cache.append(b, gaussian(arena, r, (long) tokens * hkv * dk, 1), gaussian(arena, r, (long) tokens * hkv * dv, 1), tokens);
                }
            }
            MemorySegment q = gaussian(arena, r, (long) batch * hq * dk, 2);
            long states = (long) batch * hq * splits;
            MemorySegment nativeO = arena.allocate(states * dv * Float.BYTES), nativeLse = arena.allocate(states * Float.BYTES);
            MemorySegment javaO = arena.allocate(states * dv * Float.BYTES), javaLse = arena.allocate(states * Float.BYTES);
            float scale = shape.defaultScale();
            DecodeArgs viaC = args(cache, q, nativeO, nativeLse, splits, scale), viaJava = args(cache, q, javaO, javaLse, splits, scale);
            assertTrue(SplitKvDecodeCpuNative.takes(viaC), "the native kernel should take this shape");
            SplitKvDecodeCpuNative.run(viaC);
            SplitKvDecodeCpuDimMajor.runVectorApi(viaJava);
            assertSameBits("lse", javaLse, nativeLse, seed);
            assertSameBits("o", javaO, nativeO, seed);
        }
    }

    @Test
    void refuses_a_group_that_is_not_a_multiple_of_four() {
        assumeTrue(CpuNativeKernels.isAvailable(), "no native cpu kernels: " + CpuNativeKernels.unavailabilityCause());
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment any = arena.allocate(1024);
            var e = assertThrows(KilnNativeException.class, () -> CpuNativeKernels.splitKvDecodeDimMajor(any, any, any, any,
                    any, any, 0, 0, 0, 1, 6, 2, 8, 128, 128, 16, 1, 1, 0, 1f));
            assertTrue(e.getMessage().contains("KILN_CPU_BAD_ARGUMENT"), e.getMessage());
        }
    }

    @Test
    void a_block_table_that_points_outside_the_pools_throws_instead_of_crashing() {
        assumeTrue(CpuNativeKernels.isAvailable(), "no native cpu kernels: " + CpuNativeKernels.unavailabilityCause());
        DecodeShape shape = new DecodeShape(32, 8, 128, 128, false);
        try (Device dev = Devices.open("cpu");
             PagedKvCache cache = new PagedKvCache(dev, shape, KvDtype.FP32, 64, 1, 256, KeyLayout.DIM_MAJOR);
             Arena arena = Arena.ofShared()) {
            cache.fillSynthetic(256, 1);
            MemorySegment table = arena.allocate(cache.blockTable().byteSize());
            table.copyFrom(cache.blockTable().hostSegment());
            table.setAtIndex(ValueLayout.JAVA_INT, 2, 1 << 20); // block 2 of sequence 0: far past the pools
            MemorySegment q = arena.allocate(32 * 128 * 4), o = arena.allocate(32 * 128 * 4), lse = arena.allocate(32 * 4);
            DecodeArgs bad = new DecodeArgs(q, host(cache.kPool()), host(cache.vPool()), table, host(cache.seqLens()), o, lse,
                    1, 32, 8, 128, 128, 64, cache.maxBlocksPerSeq(), 1, 0, 128, 1f);
            var e = assertThrows(IndexOutOfBoundsException.class, () -> SplitKvDecodeCpuNative.run(bad));
            assertTrue(e.getMessage().contains("page 1048576"), e.getMessage());
        }
    }

    @Test
    void the_prefetching_read_ceiling_sums_every_float_it_reads() {
        assumeTrue(CpuNativeKernels.isAvailable(), "no native cpu kernels: " + CpuNativeKernels.unavailabilityCause());
        long seed = Long.getLong("kiln.test.seed", System.nanoTime()); // -Dkiln.test.seed=N pins it
        try (Arena arena = Arena.ofShared()) {
            MemorySegment m = gaussian(arena, new SplittableRandom(seed), 1 << 20, 1);
            double want = 0, magnitude = 0;
            for (long i = 0; i < 1 << 20; i++) {
                float x = m.getAtIndex(ValueLayout.JAVA_FLOAT, i);
                want += x;
                magnitude += Math.abs(x);
            }
            // fp32 accumulators over 2^20 values: a few float ulps of the sum of magnitudes.
            assertEquals(want, dev.kiln.attention.MemoryBandwidth.readAll(m), 1e-5 * magnitude, "seed " + seed);
        }
    }

    private static DecodeArgs args(PagedKvCache c, MemorySegment q, MemorySegment o, MemorySegment lse, int splits, float scale) {
        DecodeShape s = c.shape();
        return new DecodeArgs(q, host(c.kPool()), host(c.vPool()), host(c.blockTable()), host(c.seqLens()), o, lse,
                c.batch(), s.qHeads(), s.kvHeads(), s.kDim(), s.vDim(), c.blockSize(), c.maxBlocksPerSeq(), splits,
                c.dtype().code(), c.vRowStride(), scale);
    }

    private static MemorySegment host(Buffer b) { return b.hostSegment(); }

    private static MemorySegment gaussian(Arena arena, SplittableRandom r, long n, double sd) {
        MemorySegment m = arena.allocate(n * Float.BYTES, 64);
        for (long i = 0; i < n; i++) m.setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) (r.nextGaussian() * sd));
        return m;
    }

    private static void assertSameBits(String what, MemorySegment want, MemorySegment got, long seed) {
        long n = want.byteSize() / Float.BYTES;
        for (long i = 0; i < n; i++) {
            int w = Float.floatToRawIntBits(want.getAtIndex(ValueLayout.JAVA_FLOAT, i));
            int g = Float.floatToRawIntBits(got.getAtIndex(ValueLayout.JAVA_FLOAT, i));
            if (w != g) {
                assertEquals(Float.intBitsToFloat(w), Float.intBitsToFloat(g), 0f,
                        "seed " + seed + ": " + what + "[" + i + "] differs (java " + Integer.toHexString(w) + ", native " + Integer.toHexString(g) + ")");
            }
        }
    }
}
