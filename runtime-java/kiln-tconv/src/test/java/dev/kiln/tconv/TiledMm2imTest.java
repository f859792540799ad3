package dev.kiln.tconv;

import dev.kiln.device.Device;
import dev.kiln.device.Devices;
import dev.kiln.tconv.impl.Mm2im;
import dev.kiln.tconv.quant.Requantizer;
import dev.kiln.tconv.quant.Rounding;
import dev.kiln.tconv.reference.TConvReference;
import dev.kiln.tconv.testing.TestDevices;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The tiled MM2IM kernels ({@code mm2im_f32_tiled}, {@code mm2im_i8_tiled}) on OpenCL and on CUDA where there is
 * a GPU (cpu runs its own kernels on the same layers) against the fp64 and exact int8 references. The random layers of the other suites are mostly too narrow to
 * be tiled ({@link Mm2im#usesTiledKernel}), so these layers are chosen wide enough, each feature once: channel counts
 * that are not multiples of the tile, pixel counts that leave a partial tile per stride phase, strides that make
 * phases of different sizes, 1-D, 3-D, groups, dilation, output padding and a batch.
 */
class TiledMm2imTest {
    @RegisterExtension
    static final TestDevices DEVICES = new TestDevices();

    static final String[] LAYERS = {
            "n=2,ih=9,iw=10,ic=19,oc=37,k=3,s=2,pt=1,pb=1,pl=1,pr=0",
            "ih=11,iw=13,ic=70,oc=33,k=4,s=2,pad=same",
            "ih=16,iw=16,ic=16,oc=16,k=5,s=3,pt=2,pb=1,pl=0,pr=2,oph=1,opw=2",
            "rank=1,iw=100,ic=24,oc=40,kw=16,sw=8,pl=4,pr=4",
            "rank=3,id=5,ih=6,iw=7,ic=17,oc=18,k=3,s=2,pfront=1,pback=1,pt=1,pb=1,pl=1,pr=1,op=1",
            "ih=12,iw=12,ic=64,oc=64,k=4,s=2,g=2,pt=1,pb=1,pl=1,pr=1",
            "ih=12,iw=12,ic=20,oc=24,k=3,s=2,d=2,pt=2,pb=2,pl=2,pr=2,op=1",
            "ih=10,iw=10,ic=32,oc=32,k=3,s=1,pad=same",
    };

    private static Device cuda;

    @BeforeAll
    static void openCuda() {
        if (Devices.find("cuda").map(b -> b.availability().available()).orElse(false)) cuda = Devices.open("cuda");
    }

    @AfterAll
    static void closeCuda() { if (cuda != null) cuda.close(); }

    /** cpu and opencl (TestDevices), and cuda where there is a GPU (scripts/device-check runs this class). */
    static List<Device> devices() {
        List<Device> all = new ArrayList<>(DEVICES.all());
        if (cuda != null) all.add(cuda);
        return all;
    }

    static long seed() { return Long.getLong("kiln.test.seed", System.nanoTime()); }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2, 3, 4, 5, 6, 7})
    void fp32_matches_fp64(int layer) {
        TConvSpec s = TConvSpec.parse(LAYERS[layer]);
        assertTrue(Mm2im.usesTiledKernel(s), "this layer must reach the tiled kernel: " + s.label());
        long seed = seed();
        TConvData.Fp32 d = TConvData.fp32(s, seed);
        double[] ref = TConvReference.fp64(s, d.input(), d.weights(), d.bias());
        for (Device dev : devices()) {
            float[] y = TConvRunner.fp32(TConvImpls.named("mm2im"), dev, s, d.input(), d.weights(), d.bias());
            TConvVerifier.Result r = TConvVerifier.compareFp32("mm2im", dev.backendName(), s, ref, y, seed);
            assertTrue(r.passed(), "mm2im on " + dev.backendName() + " vs fp64: rel " + r.relError() + " " + s.label() + " seed=" + seed);
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2, 7})
    void int8_is_bit_exact(int layer) {
        TConvSpec s = TConvSpec.parse(LAYERS[layer]);
        assertTrue(Mm2im.usesTiledKernel(s) && s.int8Unsupported() == null, s.label());
        long seed = seed();
        TConvData.Int8 q = TConvData.int8(s, seed);
        for (Rounding rounding : Rounding.values()) {
            Requantizer rq = q.quant().requantizer(s.oc(), rounding);
            byte[] ref = TConvReference.int8(s, q.input(), q.weights(), q.bias(), q.quant().inputZeroPoint(), rq);
            for (Device dev : devices()) {
                byte[] y = TConvRunner.int8(TConvImpls.named("mm2im"), dev, s, q.input(), q.weights(), q.bias(), q.quant().inputZeroPoint(), rq);
                assertArrayEquals(ref, y, "mm2im on " + dev.backendName() + " " + rounding + " " + s.label() + " seed=" + seed);
            }
        }
    }

    /**
     * A NaN weight reaches exactly the outputs its tap lands on: a tile that multiplied a zero-filled out-of-range
     * input by its weights would spread the NaN to every output of the stride phase.
     */
    @ParameterizedTest
    @ValueSource(ints = {0, 4, 6})
    void nan_weight_reaches_only_the_outputs_its_tap_lands_on(int layer) {
        TConvSpec s = TConvSpec.parse(LAYERS[layer]);
        long seed = seed();
        TConvData.Fp32 d = TConvData.fp32(s, seed);
        SplittableRandom random = new SplittableRandom(seed);
        for (int i = 0; i < 3; i++) d.weights()[random.nextInt(d.weights().length)] = Float.NaN;
        double[] ref = TConvReference.fp64(s, d.input(), d.weights(), d.bias());
        for (Device dev : devices()) {
            float[] y = TConvRunner.fp32(TConvImpls.named("mm2im"), dev, s, d.input(), d.weights(), d.bias());
            for (int i = 0; i < y.length; i++) {
                assertEquals(Double.isNaN(ref[i]), Float.isNaN(y[i]), "element " + i + " on " + dev.backendName() + ", " + s.label() + " seed=" + seed);
            }
        }
    }
}
