package dev.kiln.tconv.fpga;

import dev.kiln.device.fpga.Mm2imCycleModel;
import dev.kiln.device.fpga.Mm2imDriver;
import dev.kiln.device.fpga.Mm2imRunStats;

import dev.kiln.device.Device;
import dev.kiln.device.Devices;
import dev.kiln.tconv.Padding;
import dev.kiln.tconv.TConvSpec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The pure-Java cycle model (loop bounds × initiation intervals) against the cycles the C simulation counts
 * while it runs the same layers: same invocation count, cycle totals within 1 %.
 */
class Mm2imCycleModelTest {
    private static Device device;

    @BeforeAll
    static void open() { device = Devices.open("fpga-sim"); }

    @AfterAll
    static void close() { device.close(); }

    @Test
    void model_cycles_match_the_counted_cycles_of_the_c_simulation() {
        Mm2imCycleModel model = Mm2imCycleModel.pynqZ1();
        List<TConvSpec> specs = List.of(
                TConvSpec.same(2, 16, 3, 7, 7, 32),      // synthetic, Ic/16 = 2
                TConvSpec.same(1, 32, 5, 9, 9, 128),     // synthetic, stride 1
                TConvSpec.same(2, 64, 7, 11, 11, 256),   // synthetic, largest
                TConvSpec.same(2, 64, 5, 7, 7, 128),     // tf_dcgan2
                TConvSpec.same(8, 21, 16, 10, 10, 21),   // fcn3: K 16, Oc % 8 = 5
                TConvSpec.same(2, 8, 4, 5, 5, 16),       // Ic/16 = 1: decoder and PEs at the same rate
                new TConvSpec(2, 3, 5, 20, 12, 2, 3, 3, 2, Padding.explicit(1, 0, 2, 1)));  // K < s, batch 2
        long seed = System.nanoTime();
        for (TConvSpec s : specs) {
            FpgaSimFixture.Case c = FpgaSimFixture.randomCase(s, new SplittableRandom(seed));
            for (Mm2imDriver.Leftover leftover : Mm2imDriver.Leftover.values()) {
                Mm2imRunStats counted = FpgaSimFixture.runWithStats(device, c, leftover).stats();
                Mm2imCycleModel.Prediction p = model.predict(FpgaSimFixture.layer(s, c.zpIn(), c.rq().outputZeroPoint()), s.n(), leftover);
                assertEquals(counted.invocations(), p.invocations(), s + " " + leftover + ": invocations");
                double err = Math.abs(p.cycles() - counted.countedCycles()) / (double) counted.countedCycles();
                System.out.printf("cycle model %-70s %-11s model %10d counted %10d (%.3f %%)%n", s, leftover, p.cycles(),
                        counted.countedCycles(), 100 * err);
                assertTrue(err <= 0.01, s + " " + leftover + ": model " + p.cycles() + " vs counted " + counted.countedCycles()
                        + " cycles (" + String.format("%.3f", 100 * err) + " %)");
            }
        }
    }

    @Test
    void peak_is_128_macs_per_cycle_at_200_mhz() {
        assertEquals(51.2, Mm2imCycleModel.pynqZ1().peakGops(), 1e-9);
    }
}
