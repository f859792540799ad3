package dev.kiln.tconv.fpga;

import dev.kiln.device.Device;
import dev.kiln.device.Devices;
import dev.kiln.device.fpga.Mm2imLayer;
import dev.kiln.device.fpga.Mm2imLimits;
import dev.kiln.tconv.TConvData;
import dev.kiln.tconv.TConvImpl;
import dev.kiln.tconv.TConvImpls;
import dev.kiln.tconv.TConvRunner;
import dev.kiln.tconv.TConvSpec;
import dev.kiln.tconv.TConvSuites;
import dev.kiln.tconv.quant.Requantizer;
import dev.kiln.tconv.quant.Rounding;
import dev.kiln.tconv.reference.TConvReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The acceptance test of the FPGA accelerator: its C simulation, driven from Java through the fpga-sim
 * backend by the tconv {@code mm2im} implementation, is bit-exact with the Java int8 reference (single
 * rounding) on the whole synthetic suite and on the model layers that are cheap enough for a unit test.
 */
class FpgaSimTConvTest {
    /** Model layers up to this many IOM MACs run here (the Java reference is the slow part); the rest via the CLI. */
    static final long MODEL_LAYER_MAC_BUDGET = 50_000_000L;

    private static Device device;
    private static final TConvImpl MM2IM = TConvImpls.named("mm2im");

    @BeforeAll
    static void open() { device = Devices.open("fpga-sim"); }

    @AfterAll
    static void close() { device.close(); }

    private static void checkBitExact(String name, TConvSpec s, long seed) { checkBitExact(name, s, seed, Rounding.SINGLE); }

    private static void checkBitExact(String name, TConvSpec s, long seed, Rounding rounding) {
        TConvData.Int8 d = TConvData.int8(s, seed);
        Requantizer rq = d.quant().requantizer(s.oc(), rounding);
        byte[] want = TConvReference.int8(s, d.input(), d.weights(), d.bias(), d.quant().inputZeroPoint(), rq);
        byte[] got = TConvRunner.int8(MM2IM, device, s, d.input(), d.weights(), d.bias(), d.quant().inputZeroPoint(), rq);
        assertArrayEquals(want, got, () -> name + " " + s + " differs from the int8 reference, " + rounding + " rounding (seed " + seed + ")");
    }

    @Test
    void the_whole_synthetic_suite_is_bit_exact_through_fpga_sim() {
        long seed = System.nanoTime();
        List<TConvSuites.Layer> suite = TConvSuites.synthetic();
        assertEquals(216, suite.size());
        for (int i = 0; i < suite.size(); i++) checkBitExact(suite.get(i).name(), suite.get(i).spec(), seed + i);
    }

    /** The PPU's double-rounding mode matches TFLite's default build too. */
    @Test
    void the_whole_synthetic_suite_is_bit_exact_with_double_rounding() {
        long seed = System.nanoTime();
        List<TConvSuites.Layer> suite = TConvSuites.synthetic();
        for (int i = 0; i < suite.size(); i++) checkBitExact(suite.get(i).name(), suite.get(i).spec(), seed + i, Rounding.DOUBLE);
    }

    @Test
    void every_model_layer_fits_the_accelerator_and_the_small_ones_are_bit_exact() {
        long seed = System.nanoTime();
        List<String> checked = new ArrayList<>();
        for (TConvSuites.Layer l : TConvSuites.tfliteModels()) {
            TConvSpec s = l.spec();
            Mm2imLayer layer = new Mm2imLayer(s.ih(), s.iw(), s.ic(), s.oc(), s.kh(), s.kw(), s.sh(), s.sw(), s.padTop(), s.padLeft(),
                    s.oh(), s.ow(), 0, 0);
            assertTrue(Mm2imLimits.BUILT.whyNotFits(layer).isEmpty(), l.name() + ": " + Mm2imLimits.BUILT.whyNotFits(layer).orElse(""));
            if (s.iomMacs() <= MODEL_LAYER_MAC_BUDGET) {
                checkBitExact(l.name(), s, seed + checked.size());
                checked.add(l.name());
            }
        }
        System.out.println("fpga-sim bit-exact on model layers " + checked);
        assertTrue(checked.size() >= 9, "expected the small model layers to be checked, got " + checked);
    }

    @Test
    void batches_run_one_image_after_another_on_the_same_weights() {
        checkBitExact("tf_dcgan2 x3", TConvSpec.same(2, 64, 5, 7, 7, 128).withBatch(3), System.nanoTime());
    }

    @Test
    void fp32_is_refused_with_a_clear_reason() {
        TConvSpec s = TConvSpec.same(2, 8, 3, 3, 3, 16);
        assertTrue(MM2IM.unsupported("fpga-sim", false, null).orElseThrow().contains("int8 only"));
        assertTrue(MM2IM.unsupported("fpga-sim", true, Rounding.DOUBLE).isEmpty());
        assertTrue(MM2IM.unsupported("fpga-sim", true, Rounding.SINGLE).isEmpty());
        var e = assertThrows(IllegalArgumentException.class, () -> MM2IM.fp32(device, s, new float[(int) s.weightElements()], null));
        assertTrue(e.getMessage().contains("int8 only"), e.getMessage());
    }
}
