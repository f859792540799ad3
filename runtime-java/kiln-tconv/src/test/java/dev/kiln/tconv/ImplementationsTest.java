package dev.kiln.tconv;

import dev.kiln.tconv.testing.TestDevices;
import dev.kiln.tconv.testing.RandomSpecs;
import dev.kiln.device.Device;
import dev.kiln.tconv.quant.Requantizer;
import dev.kiln.tconv.quant.Rounding;
import dev.kiln.tconv.reference.TConvReference;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every implementation on every available backend (cpu always; opencl when PoCL is there) on random layers:
 * fp32 against the fp64 reference (rel ≤ 1e-5), int8 bit-exact against the exact reference with both roundings.
 * Agreement with ONNX Runtime is checked in the module that holds it ({@code OrtAgreementTest}).
 */
class ImplementationsTest {
    @RegisterExtension
    static final TestDevices DEVICES = new TestDevices();

    @RepeatedTest(25)
    void fp32_matches_the_fp64_reference() {
        long seed = System.nanoTime();
        TConvSpec s = RandomSpecs.next(new SplittableRandom(seed));
        String where = s + " seed=" + seed;
        TConvData.Fp32 d = TConvData.fp32(s, seed);
        double[] ref = TConvReference.fp64(s, d.input(), d.weights(), d.bias());
        for (Device dev : DEVICES.all()) {
            for (TConvImpl impl : TConvImpls.kernels()) {
                if (!impl.supports(dev.backendName())) continue;
                float[] y = TConvRunner.fp32(impl, dev, s, d.input(), d.weights(), d.bias());
                TConvVerifier.Result r = TConvVerifier.compareFp32(impl.name(), dev.backendName(), s, ref, y, seed);
                assertTrue(r.passed(), impl.name() + " on " + dev.backendName() + " vs fp64: rel " + r.relError() + " " + where);
            }
        }
    }

    @RepeatedTest(25)
    void int8_is_bit_exact_with_both_roundings() {
        long seed = System.nanoTime();
        TConvSpec s = RandomSpecs.next(new SplittableRandom(seed));
        TConvData.Int8 d = TConvData.int8(s, seed);
        long[] acc = TConvReference.int8Accumulators(s, d.input(), d.weights(), d.bias(), d.quant().inputZeroPoint());
        for (Rounding rounding : Rounding.values()) {
            Requantizer rq = d.quant().requantizer(s.oc(), rounding);
            byte[] ref = requantize(acc, rq, s.oc());
            for (Device dev : DEVICES.all()) {
                for (TConvImpl impl : TConvImpls.kernels()) {
                    if (!impl.supports(dev.backendName())) continue;
                    byte[] y = TConvRunner.int8(impl, dev, s, d.input(), d.weights(), d.bias(), d.quant().inputZeroPoint(), rq);
                    assertArrayEquals(ref, y, impl.name() + " on " + dev.backendName() + ", " + rounding + " rounding, " + s + " seed=" + seed);
                }
            }
        }
    }

    static byte[] requantize(long[] acc, Requantizer rq, int oc) {
        byte[] out = new byte[acc.length];
        for (int i = 0; i < acc.length; i++) out[i] = rq.apply(Math.toIntExact(acc[i]), i % oc);
        return out;
    }
}
