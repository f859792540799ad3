package dev.kiln.tconv;

import dev.kiln.tconv.testing.TestDevices;
import dev.kiln.tconv.testing.RandomSpecs;

import dev.kiln.device.Device;
import dev.kiln.tconv.quant.Requantizer;
import dev.kiln.tconv.quant.Rounding;
import dev.kiln.tconv.reference.TConvReference;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Random ConvTranspose layers over every attribute ({@link RandomSpecs#general}): each implementation that
 * covers the layer, on cpu and opencl, against the fp64 reference (rel ≤ 1e-5); the ONNX Runtime comparison of
 * the same layers is {@code dev.kiln.tconv.ort.OrtAgreementTest}. The seed is printed in every message
 * ({@code -Dkiln.test.seed=N} pins it).
 */
class GeneralSpecsTest {
    @RegisterExtension
    static final TestDevices DEVICES = new TestDevices();

    static long seed() { return Long.getLong("kiln.test.seed", System.nanoTime()); }

    @RepeatedTest(40)
    void every_attribute_matches_fp64() {
        long seed = seed();
        TConvSpec s = RandomSpecs.general(new SplittableRandom(seed));
        String where = s.label() + " [" + s + "] seed=" + seed;
        TConvData.Fp32 d = TConvData.fp32(s, seed);
        double[] ref = TConvReference.fp64(s, d.input(), d.weights(), d.bias());
        int checked = 0;
        for (Device dev : DEVICES.all()) {
            for (TConvImpl impl : TConvImpls.kernels()) {
                if (!impl.supports(dev.backendName()) || impl.unsupported(s, false).isPresent()) continue;
                float[] y = TConvRunner.fp32(impl, dev, s, d.input(), d.weights(), d.bias());
                TConvVerifier.Result r = TConvVerifier.compareFp32(impl.name(), dev.backendName(), s, ref, y, seed);
                assertTrue(r.passed(), impl.name() + " on " + dev.backendName() + " vs fp64: rel " + r.relError() + " " + where);
                checked++;
            }
        }
        assertTrue(checked >= DEVICES.all().size(), "mm2im must cover every layer on every device: " + where);
    }

    @RepeatedTest(5)
    void nan_in_gives_nan_out_where_it_reaches() {
        long seed = seed();
        TConvSpec s = RandomSpecs.general(new SplittableRandom(seed));
        TConvData.Fp32 d = TConvData.fp32(s, seed);
        d.input()[new SplittableRandom(seed).nextInt(d.input().length)] = Float.NaN;
        double[] ref = TConvReference.fp64(s, d.input(), d.weights(), d.bias());
        for (Device dev : DEVICES.all()) {
            float[] y = TConvRunner.fp32(TConvImpls.named("mm2im"), dev, s, d.input(), d.weights(), d.bias());
            for (int i = 0; i < y.length; i++) {
                assertEquals(Double.isNaN(ref[i]), Float.isNaN(y[i]), "element " + i + " on " + dev.backendName() + ", " + s.label() + " seed=" + seed);
            }
        }
    }

    @Test
    void int8_outside_tflite_says_so() {
        TConvSpec grouped = TConvSpec.parse("i=4,ic=4,oc=4,k=3,s=2,g=2");
        TConvData.Int8 q = TConvData.int8(grouped, 1);
        Requantizer rq = q.quant().requantizer(grouped.oc(), Rounding.DOUBLE);
        for (TConvImpl impl : TConvImpls.kernels()) {
            var e = assertThrows(IllegalArgumentException.class, () -> TConvRunner.int8(impl, DEVICES.all().getFirst(), grouped, q.input(), q.weights(), q.bias(), 0, rq));
            assertTrue(e.getMessage().contains("group 2") || e.getMessage().contains("needs mm2im"), e.getMessage());
        }
    }

    @Test
    void int8_with_output_padding_is_bit_exact() {
        // TFLite's output_shape can ask for the rows ONNX calls output_padding; int8 covers it bit for bit
        TConvSpec s = TConvSpec.parse("n=2,ih=5,iw=6,ic=19,oc=37,k=3,s=2,pt=1,pb=1,pl=1,pr=0,oph=1,opw=1");
        long seed = seed();
        TConvData.Int8 q = TConvData.int8(s, seed);
        for (Rounding rounding : Rounding.values()) {
            Requantizer rq = q.quant().requantizer(s.oc(), rounding);
            byte[] ref = TConvReference.int8(s, q.input(), q.weights(), q.bias(), q.quant().inputZeroPoint(), rq);
            for (Device dev : DEVICES.all()) {
                for (TConvImpl impl : TConvImpls.kernels()) {
                    if (!impl.supports(dev.backendName())) continue;
                    byte[] y = TConvRunner.int8(impl, dev, s, q.input(), q.weights(), q.bias(), q.quant().inputZeroPoint(), rq);
                    org.junit.jupiter.api.Assertions.assertArrayEquals(ref, y, impl.name() + " on " + dev.backendName() + " " + rounding + " seed=" + seed);
                }
            }
        }
    }
}
