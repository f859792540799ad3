package dev.kiln.inference.quant;

import dev.kiln.device.cpu.CpuNativeKernels;
import dev.kiln.attention.model.Ops;
import dev.kiln.inference.tensor.Tensor;
import dev.kiln.inference.tensor.TensorType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * GEMV over every tensor type, Java and native kernels, against fp64 sums over the values the weights stand for:
 * within {@code (in + 2) · 2⁻²⁴ · Σ|w·x|}, the bound of an fp32 sum of {@code in} products plus the scale multiply.
 * A NaN in x gives NaN out.
 */
class QuantizedGemvTest {
    static final long SEED = Long.getLong("kiln.test.seed", System.nanoTime());

    @ParameterizedTest(name = "{0}: batch {1}, in {2}, out {3}")
    @CsvSource({"Q8_0, 1, 2048, 77", "Q8_0, 3, 96, 130", "Q4_0, 1, 2048, 77", "Q4_0, 4, 32, 9", "F16, 2, 100, 33",
            "BF16, 1, 515, 17", "F32, 2, 257, 40", "Q8_0, 5, 8192, 16", "Q4_0, 2, 8192, 16"})
    void matches_fp64_within_the_summation_bound(TensorType type, int batch, int in, int out) {
        SplittableRandom r = new SplittableRandom(SEED);
        float[] w = new float[out * in], x = new float[batch * in];
        for (int i = 0; i < w.length; i++) w[i] = (float) r.nextGaussian();
        for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
        try (Arena arena = Arena.ofShared()) {
            byte[] bytes = Quantize.encode(type, w);
            MemorySegment data = arena.allocate(bytes.length, 64);
            MemorySegment.copy(bytes, 0, data, ValueLayout.JAVA_BYTE, 0, bytes.length);
            Tensor t = new Tensor("w", type, new long[]{out, in}, data);
            float[] values = t.toFloats();   // the values the encoding stands for (checked against hand decoding in CheckpointReadersTest)
            float[] java = new float[batch * out], any = new float[batch * out];
            QuantizedGemv.gemvJava(x, batch, t, java);
            QuantizedGemv.gemv(x, batch, t, any);
            check("java", java, x, values, batch, in, out, type);
            check(CpuNativeKernels.isAvailable() ? "native" : "java (no native kernels: " + CpuNativeKernels.unavailabilityCause() + ")", any, x, values, batch, in, out, type);
            float[] nanX = x.clone();
            nanX[in / 2] = Float.NaN;
            QuantizedGemv.gemv(nanX, batch, t, any);
            for (int o = 0; o < out; o++) assertTrue(Float.isNaN(any[o]), "NaN in x must give NaN in y[0][" + o + "]");
        }
    }

    /**
     * Several weights over one x in one parallel region ({@link QuantizedGemv#gemvFused}, a layer's Q/K/V or gate/up):
     * each output within the fp64 bound, and bit for bit what the same weight gives alone through {@link QuantizedGemv#gemv}
     * or, F32, {@link Ops#matmul} (the same C kernel on the same rows, split otherwise).
     */
    @ParameterizedTest(name = "{0}: in {1}")
    @CsvSource({"Q8_0, 2048", "Q4_0, 2048", "Q8_0, 96", "Q4_0, 32", "F32, 256"})
    void fused_weights_match_each_alone_and_fp64(TensorType type, int in) {
        SplittableRandom r = new SplittableRandom(SEED);
        int[] outs = {77, 13, 130};
        float[] x = new float[in];
        for (int i = 0; i < in; i++) x[i] = (float) r.nextGaussian();
        try (Arena arena = Arena.ofShared()) {
            Tensor[] ws = gaussianWeights(type, outs, in, r, arena);
            float[][] values = new float[outs.length][];
            for (int j = 0; j < outs.length; j++) values[j] = ws[j].toFloats();   // the values the encoding stands for
            float[][] ys = new float[outs.length][];
            for (int j = 0; j < outs.length; j++) ys[j] = new float[outs[j]];
            boolean fused = QuantizedGemv.gemvFused(x, ws, ys);
            assertEquals(CpuNativeKernels.isAvailable(), fused, "fused GEMV runs exactly where the native kernels do");
            if (!fused) return;
            for (int j = 0; j < outs.length; j++) {
                check("fused " + j, ys[j], x, values[j], 1, in, outs[j], type);
                float[] alone = new float[outs[j]];
                if (type == TensorType.F32) Ops.matmul(x, 1, in, ws[j].data(), outs[j], alone);
                else QuantizedGemv.gemv(x, 1, ws[j], alone);
                assertArrayEquals(alone, ys[j], "fused weight " + j + " differs from the same weight alone, seed " + SEED);
            }
            float[] nanX = x.clone();
            nanX[in - 1] = Float.NaN;
            QuantizedGemv.gemvFused(nanX, ws, ys);
            for (float[] y : ys) for (int o = 0; o < y.length; o++) assertTrue(Float.isNaN(y[o]), "NaN in x must give NaN in y[" + o + "]");
        }
    }

    /**
     * Int8 activations ({@link Activations#INT8}, {@code native/cpu/gemv_quant_x8.c}): against fp64 sums over the dequantized
     * weights and this test's own quantization of x (llama.cpp's: {@code d = max|x| / 127}, {@code q = rint(x · 127 / max|x|)}),
     * within the fp32 summation bound; and against fp64 over the unquantized x, within that plus the quantization's
     * {@code Σ_k (d_k / 2) · Σ_{j∈k} |w_j|}. Fused weights equal each weight alone, bit for bit; a NaN in x is NaN out.
     */
    @ParameterizedTest(name = "{0}: in {1}")
    @CsvSource({"Q8_0, 2048", "Q4_0, 2048", "Q8_0, 96", "Q4_0, 32", "Q8_0, 8192", "Q4_0, 160"})
    void int8_activations_match_fp64_within_the_quantization_bound(TensorType type, int in) {
        String cause = CpuNativeKernels.int8DotUnavailabilityCause();
        assumeTrue(cause == null, "int8-activation kernels do not run here: " + cause);
        SplittableRandom r = new SplittableRandom(SEED);
        int[] outs = {77, 13, 130};
        float[] x = new float[in];
        for (int i = 0; i < in; i++) x[i] = (float) (r.nextGaussian() * (i % 7 == 0 ? 4 : 1));
        // The last block: values near the bottom of fp32's range (some subnormal), where 127 / max|x| overflows; a block of zeros before it.
        for (int j = 0; j < 32; j++) x[in - 32 + j] = (float) (r.nextGaussian() * 1e-38);
        if (in >= 64) java.util.Arrays.fill(x, in - 64, in - 32, 0f);
        float[] xHat = new float[in], blockScale = new float[in / 32];
        for (int k = 0; k < in / 32; k++) {
            double m = 0;
            for (int j = 0; j < 32; j++) m = Math.max(m, Math.abs(x[32 * k + j]));
            blockScale[k] = (float) m / 127f;
            // q = rint(x · 127 / max|x|), here in fp64, where 127 / max|x| cannot overflow
            for (int j = 0; j < 32; j++) xHat[32 * k + j] = m == 0 ? 0 : blockScale[k] * (float) Math.rint((float) (x[32 * k + j] * 127 / m));
        }
        try (Arena arena = Arena.ofShared()) {
            Tensor[] ws = gaussianWeights(type, outs, in, r, arena);
            float[][] values = new float[outs.length][];
            for (int j = 0; j < outs.length; j++) values[j] = ws[j].toFloats();   // the values the encoding stands for
            float[][] ys = new float[outs.length][];
            for (int j = 0; j < outs.length; j++) ys[j] = new float[outs[j]];
            assertTrue(QuantizedGemv.gemvFused(x, ws, ys, Activations.INT8));
            for (int j = 0; j < outs.length; j++) {
                for (int o = 0; o < outs[j]; o++) {
                    double onHat = 0, onX = 0, magnitude = 0, quantization = 0;
                    for (int i = 0; i < in; i++) {
                        double w = values[j][o * in + i];
                        onHat += w * xHat[i];
                        onX += w * x[i];
                        magnitude += Math.abs(w * xHat[i]);
                        quantization += Math.abs(w) * blockScale[i / 32] / 2;
                    }
                    // fp32 sums, plus where a block's scale d_w·d_x is subnormal (the tiny block) its absolute rounding,
                    // 2⁻¹⁴⁹ times the block's integer dot product and correction term (at most 2·32·255·127 each)
                    double underflow = in / 32 * 2.0 * 32 * 255 * 127 * Math.scalb(1.0, -149);
                    double summation = (in + 4) * Math.scalb(1.0, -24) * magnitude + underflow, got = ys[j][o];
                    assertTrue(Math.abs(got - onHat) <= summation, type + " weight " + j + " row " + o + ", seed " + SEED + ": y = " + got
                            + ", fp64 on the quantized x " + onHat + ", error " + Math.abs(got - onHat) + " > " + summation);
                    assertTrue(Math.abs(got - onX) <= summation + quantization * (1 + 1e-6), type + " weight " + j + " row " + o + ", seed " + SEED
                            + ": y = " + got + ", fp64 " + onX + ", error " + Math.abs(got - onX) + " > " + (summation + quantization));
                }
                float[][] alone = {new float[outs[j]]};
                assertTrue(QuantizedGemv.gemvFused(x, new Tensor[]{ws[j]}, alone, Activations.INT8));
                assertArrayEquals(alone[0], ys[j], "fused weight " + j + " differs from the same weight alone, seed " + SEED);
            }
            float[] nanX = x.clone();
            nanX[in / 3] = Float.NaN;
            QuantizedGemv.gemvFused(nanX, ws, ys, Activations.INT8);
            for (float[] y : ys) for (int o = 0; o < y.length; o++) assertTrue(Float.isNaN(y[o]), "NaN in x must give NaN in y[" + o + "]");
        }
    }

    /**
     * Callers on several threads at once: one holds the resident team ({@code GemvTeam}), the others fall back to the pool;
     * every result is bit for bit the single caller's.
     */
    @Test
    void concurrent_callers_get_the_single_callers_result() throws Exception {
        SplittableRandom r = new SplittableRandom(SEED);
        int in = 512, out = 300;
        float[] w = new float[out * in], x = new float[in];
        for (int i = 0; i < w.length; i++) w[i] = (float) r.nextGaussian();
        for (int i = 0; i < in; i++) x[i] = (float) r.nextGaussian();
        try (Arena arena = Arena.ofShared()) {
            byte[] bytes = Quantize.encode(TensorType.Q8_0, w);
            MemorySegment data = arena.allocate(bytes.length, 64);
            MemorySegment.copy(bytes, 0, data, ValueLayout.JAVA_BYTE, 0, bytes.length);
            Tensor[] ws = {new Tensor("w", TensorType.Q8_0, new long[]{out, in}, data)};
            float[][] want = {new float[out]};
            if (!QuantizedGemv.gemvFused(x, ws, want)) return;   // no native kernels: nothing concurrent to test
            ExecutorService pool = Executors.newFixedThreadPool(4);
            try {
                List<Future<?>> runs = new ArrayList<>();
                for (int t = 0; t < 4; t++) {
                    runs.add(pool.submit(() -> {
                        for (int i = 0; i < 50; i++) {
                            float[][] got = {new float[out]};
                            assertTrue(QuantizedGemv.gemvFused(x, ws, got));
                            assertArrayEquals(want[0], got[0], "concurrent caller's result differs, seed " + SEED);
                        }
                        return null;
                    }));
                }
                for (Future<?> f : runs) f.get();
            } finally {
                pool.shutdownNow();
            }
        }
    }

    /** Weights {@code [outs[j]][in]} of Gaussian values encoded in {@code type}, in native memory as a checkpoint maps them. */
    private static Tensor[] gaussianWeights(TensorType type, int[] outs, int in, SplittableRandom r, Arena arena) {
        Tensor[] ws = new Tensor[outs.length];
        for (int j = 0; j < outs.length; j++) {
            float[] w = new float[outs[j] * in];
            for (int i = 0; i < w.length; i++) w[i] = (float) r.nextGaussian();
            byte[] bytes = Quantize.encode(type, w);
            MemorySegment data = arena.allocate(bytes.length, 64);
            MemorySegment.copy(bytes, 0, data, ValueLayout.JAVA_BYTE, 0, bytes.length);
            ws[j] = new Tensor("w" + j, type, new long[]{outs[j], in}, data);
        }
        return ws;
    }

    private static void check(String which, float[] y, float[] x, float[] w, int batch, int in, int out, TensorType type) {
        for (int b = 0; b < batch; b++) {
            for (int o = 0; o < out; o++) {
                double want = 0, magnitude = 0;
                for (int i = 0; i < in; i++) {
                    double p = (double) x[b * in + i] * w[o * in + i];
                    want += p;
                    magnitude += Math.abs(p);
                }
                double bound = (in + 2) * Math.scalb(1.0, -24) * magnitude;
                double err = Math.abs(y[b * out + o] - want);
                assertTrue(err <= bound, which + " " + type + ", seed " + SEED + ": y[" + b + "][" + o + "] = " + y[b * out + o]
                        + ", fp64 " + want + ", error " + err + " > bound " + bound);
            }
        }
    }
}
