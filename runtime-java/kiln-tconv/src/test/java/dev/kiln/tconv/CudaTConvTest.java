package dev.kiln.tconv;

import dev.kiln.device.Availability;
import dev.kiln.device.Device;
import dev.kiln.device.Devices;
import dev.kiln.tconv.quant.Requantizer;
import dev.kiln.tconv.quant.Rounding;
import dev.kiln.tconv.reference.TConvReference;
import dev.kiln.tconv.testing.RandomSpecs;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every TCONV kernel implementation on the CUDA backend, through the public API ({@link TConvImpls},
 * {@link TConvRunner}), against the references the cpu and OpenCL tests use: fp32 against the fp64 loops,
 * int8 bit-exact against the exact integer loops with both roundings, on random layers (TFLite-shaped and
 * every ConvTranspose attribute) and on the synthetic suite and the model layers. Without a GPU every
 * test skips with the driver's reason.
 */
class CudaTConvTest {
    private static Device cuda;

    @BeforeAll
    static void open() {
        Availability a = Devices.find("cuda").map(b -> b.availability()).orElse(Availability.no("backend missing"));
        if (a.available()) cuda = Devices.open("cuda");
    }

    @AfterAll
    static void close() { if (cuda != null) cuda.close(); }

    private static Device gpu() {
        Assumptions.assumeTrue(cuda != null, () -> "no CUDA GPU here: "
                + Devices.find("cuda").map(b -> b.availability().reason()).orElse("backend missing") + " (GPU run pending)");
        return cuda;
    }

    private static List<TConvImpl> onCuda() {
        List<TConvImpl> impls = TConvImpls.kernels().stream().filter(i -> i.supports("cuda")).toList();
        assertFalse(impls.isEmpty(), "no TCONV kernel implementation supports cuda");
        return impls;
    }

    @RepeatedTest(25)
    void fp32_matches_the_fp64_reference_on_random_layers() {
        Device dev = gpu();
        long seed = Long.getLong("kiln.test.seed", System.nanoTime()); // -Dkiln.test.seed=N pins it
        TConvSpec s = RandomSpecs.next(new SplittableRandom(seed));
        TConvData.Fp32 d = TConvData.fp32(s, seed);
        double[] ref = TConvReference.fp64(s, d.input(), d.weights(), d.bias());
        for (TConvImpl impl : onCuda()) {
            float[] y = TConvRunner.fp32(impl, dev, s, d.input(), d.weights(), d.bias());
            TConvVerifier.Result r = TConvVerifier.compareFp32(impl.name(), "cuda", s, ref, y, seed);
            assertTrue(r.passed(), impl.name() + " on cuda vs fp64: rel " + r.relError() + " " + s + " seed=" + seed);
        }
    }

    @RepeatedTest(25)
    void int8_is_bit_exact_with_both_roundings_on_random_layers() {
        Device dev = gpu();
        long seed = Long.getLong("kiln.test.seed", System.nanoTime()); // -Dkiln.test.seed=N pins it
        TConvSpec s = RandomSpecs.next(new SplittableRandom(seed));
        TConvData.Int8 d = TConvData.int8(s, seed);
        long[] acc = TConvReference.int8Accumulators(s, d.input(), d.weights(), d.bias(), d.quant().inputZeroPoint());
        for (Rounding rounding : Rounding.values()) {
            Requantizer rq = d.quant().requantizer(s.oc(), rounding);
            byte[] ref = ImplementationsTest.requantize(acc, rq, s.oc());
            for (TConvImpl impl : onCuda()) {
                byte[] y = TConvRunner.int8(impl, dev, s, d.input(), d.weights(), d.bias(), d.quant().inputZeroPoint(), rq);
                assertArrayEquals(ref, y, impl.name() + " on cuda, " + rounding + " rounding, " + s + " seed=" + seed);
            }
        }
    }

    /** Every ConvTranspose attribute (rank 1–3, dilations, groups and depthwise, output padding), as GeneralSpecsTest on cpu/OpenCL. */
    @RepeatedTest(40)
    void fp32_every_attribute_matches_fp64() {
        Device dev = gpu();
        long seed = Long.getLong("kiln.test.seed", System.nanoTime()); // -Dkiln.test.seed=N pins it
        TConvSpec s = RandomSpecs.general(new SplittableRandom(seed));
        TConvData.Fp32 d = TConvData.fp32(s, seed);
        double[] ref = TConvReference.fp64(s, d.input(), d.weights(), d.bias());
        int checked = 0;
        for (TConvImpl impl : onCuda()) {
            if (impl.unsupported(s, false).isPresent()) continue;
            float[] y = TConvRunner.fp32(impl, dev, s, d.input(), d.weights(), d.bias());
            TConvVerifier.Result r = TConvVerifier.compareFp32(impl.name(), "cuda", s, ref, y, seed);
            assertTrue(r.passed(), impl.name() + " on cuda vs fp64: rel " + r.relError() + " " + s.label() + " seed=" + seed);
            checked++;
        }
        assertTrue(checked >= 1, "some implementation must cover every layer on cuda: " + s.label() + " seed=" + seed);
    }

    @Test
    void int8_with_output_padding_is_bit_exact() {
        Device dev = gpu();
        TConvSpec s = TConvSpec.parse("n=2,ih=5,iw=6,ic=19,oc=37,k=3,s=2,pt=1,pb=1,pl=1,pr=0,oph=1,opw=1");
        long seed = Long.getLong("kiln.test.seed", System.nanoTime()); // -Dkiln.test.seed=N pins it
        TConvData.Int8 q = TConvData.int8(s, seed);
        for (Rounding rounding : Rounding.values()) {
            Requantizer rq = q.quant().requantizer(s.oc(), rounding);
            byte[] ref = TConvReference.int8(s, q.input(), q.weights(), q.bias(), q.quant().inputZeroPoint(), rq);
            for (TConvImpl impl : onCuda()) {
                byte[] y = TConvRunner.int8(impl, dev, s, q.input(), q.weights(), q.bias(), q.quant().inputZeroPoint(), rq);
                assertArrayEquals(ref, y, impl.name() + " on cuda " + rounding + " seed=" + seed);
            }
        }
    }

    @Test
    void suites_int8_bit_exact_and_fp32_within_tolerance() {
        Device dev = gpu();
        long seed = Long.getLong("kiln.test.seed", System.nanoTime()); // -Dkiln.test.seed=N pins it
        List<TConvSuites.Layer> layers = new ArrayList<>(TConvSuites.synthetic());
        layers.addAll(SuitesInt8Test.smallModelLayers());
        List<String> failures = new ArrayList<>();
        int checks = 0;
        for (int i = 0; i < layers.size(); i++) {
            TConvSpec s = layers.get(i).spec();
            TConvData.Int8 d = TConvData.int8(s, seed + i);
            long[] acc = TConvReference.int8Accumulators(s, d.input(), d.weights(), d.bias(), d.quant().inputZeroPoint());
            TConvData.Fp32 f = TConvData.fp32(s, seed + i);
            double[] ref32 = TConvReference.fp64(s, f.input(), f.weights(), f.bias());
            for (TConvImpl impl : onCuda()) {
                for (Rounding rounding : Rounding.values()) {
                    Requantizer rq = d.quant().requantizer(s.oc(), rounding);
                    byte[] ref = ImplementationsTest.requantize(acc, rq, s.oc());
                    byte[] y = TConvRunner.int8(impl, dev, s, d.input(), d.weights(), d.bias(), d.quant().inputZeroPoint(), rq);
                    checks++;
                    long bad = 0;
                    for (int k = 0; k < ref.length; k++) if (ref[k] != y[k]) bad++;
                    if (bad > 0) failures.add(layers.get(i).name() + " " + impl.name() + "/int8/" + rounding + ": " + bad + " mismatches");
                }
                TConvVerifier.Result r = TConvVerifier.compareFp32(impl.name(), "cuda", s, ref32, TConvRunner.fp32(impl, dev, s, f.input(), f.weights(), f.bias()), seed + i);
                checks++;
                if (!r.passed()) failures.add(layers.get(i).name() + " " + impl.name() + "/fp32: rel " + r.relError());
            }
        }
        assertEquals(List.of(), failures, checks + " checks, seed=" + seed);
    }
}
