package dev.kiln.tconv.ort;

import dev.kiln.device.Device;
import dev.kiln.device.Devices;
import dev.kiln.tconv.testing.RandomSpecs;
import dev.kiln.tconv.TConvData;
import dev.kiln.tconv.TConvImpl;
import dev.kiln.tconv.TConvImpls;
import dev.kiln.tconv.TConvRunner;
import dev.kiln.tconv.TConvSpec;
import dev.kiln.tconv.TConvVerifier;
import dev.kiln.tconv.reference.TConvReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * ONNX Runtime's ConvTranspose, found as a service, against the fp64 reference, and every Kiln kernel on every
 * available backend (cpu; opencl when PoCL is there) against ONNX Runtime, on random layers.
 */
class OrtAgreementTest {
    private static final List<Device> DEVICES = new ArrayList<>();

    @BeforeAll
    static void open() {
        for (String b : Devices.availableNames()) if (b.equals("cpu") || b.equals("opencl")) DEVICES.add(Devices.open(b));
    }

    @AfterAll
    static void close() { DEVICES.forEach(Device::close); }

    @Test
    void ort_is_found_as_a_tconv_implementation_service() {
        assertSame(OrtConvTranspose.class, TConvImpls.named("ort").getClass());
    }

    @RepeatedTest(25)
    void ort_matches_fp64_and_every_kernel_matches_ort() {
        long seed = Long.getLong("kiln.test.seed", System.nanoTime()); // -Dkiln.test.seed=N pins it
        TConvSpec s = RandomSpecs.next(new SplittableRandom(seed));
        String where = s + " seed=" + seed;
        TConvData.Fp32 d = TConvData.fp32(s, seed);
        double[] ref = TConvReference.fp64(s, d.input(), d.weights(), d.bias());
        Device cpu = DEVICES.stream().filter(x -> x.backendName().equals("cpu")).findFirst().orElseThrow();
        float[] ort = TConvRunner.fp32(TConvImpls.named("ort"), cpu, s, d.input(), d.weights(), d.bias());
        TConvVerifier.Result ortVsRef = TConvVerifier.compareFp32("ort", "cpu", s, ref, ort, seed);
        assertTrue(ortVsRef.passed(), "ORT vs fp64 reference: " + ortVsRef + " " + where);
        double[] ortRef = new double[ort.length];
        for (int i = 0; i < ort.length; i++) ortRef[i] = ort[i];
        for (Device dev : DEVICES) {
            for (TConvImpl impl : TConvImpls.kernels()) {
                if (!impl.supports(dev.backendName())) continue;
                float[] y = TConvRunner.fp32(impl, dev, s, d.input(), d.weights(), d.bias());
                TConvVerifier.Result o = TConvVerifier.compareFp32(impl.name(), dev.backendName(), s, ortRef, y, seed);
                assertTrue(o.relError() <= 2 * TConvVerifier.FP32_TOLERANCE, impl.name() + " on " + dev.backendName() + " vs ORT: rel " + o.relError() + " " + where);
            }
        }
    }
}
