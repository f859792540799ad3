package dev.kiln.tconv.fpga;

import dev.kiln.device.fpga.Mm2imDriver;
import dev.kiln.device.fpga.Mm2imLimits;
import dev.kiln.device.fpga.Mm2imPort;
import dev.kiln.device.fpga.Mm2imProtocol;
import dev.kiln.device.fpga.SimPort;

import dev.kiln.device.KilnNativeException;
import dev.kiln.device.Device;
import dev.kiln.device.Devices;
import dev.kiln.tconv.Padding;
import dev.kiln.tconv.TConvSpec;
import dev.kiln.tconv.quant.Rounding;
import dev.kiln.tconv.reference.TConvReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The fpga-sim backend: the HLS C simulation driven through FFM, checked against the exact int8 reference. */
class FpgaSimBackendTest {
    private static Device device;

    @BeforeAll
    static void open() {
        assertTrue(Devices.find("fpga-sim").orElseThrow().availability().available(),
                () -> "fpga-sim must be available in the Maven build: " + Devices.find("fpga-sim").orElseThrow().availability().reason());
        device = Devices.open("fpga-sim");
    }

    @AfterAll
    static void close() { device.close(); }

    @Test
    void a_fixed_function_backend_is_opened_by_name_but_left_out_of_every_backend_loops() {
        assertTrue(Devices.find("fpga-sim").orElseThrow().availability().available());
        assertTrue(!Devices.availableNames().contains("fpga-sim"), "availableNames() = " + Devices.availableNames());
        var e = assertThrows(IllegalArgumentException.class, () -> device.kernel("basics", "saxpy"));
        assertTrue(e.getMessage().contains("mm2im/tconv_int8"), e.getMessage());
    }

    @Test
    void the_simulation_is_built_with_the_sizes_the_java_cycle_model_assumes() {
        assertEquals(Mm2imLimits.BUILT, SimPort.shared().limits());
    }

    /**
     * Non-square, VALID, explicit crops, K < s, stride 3, Oc % 8 != 0, Ic % 16 != 0, batches; both leftover
     * policies; both PPU roundings.
     */
    @RepeatedTest(8)
    void random_layers_are_bit_exact_with_the_int8_reference() {
        long seed = System.nanoTime();
        SplittableRandom r = new SplittableRandom(seed);
        for (int t = 0; t < 6; t++) {
            int kh = r.nextInt(1, 7), kw = r.nextInt(1, 7), sh = r.nextInt(1, 4), sw = r.nextInt(1, 4);
            int ih = r.nextInt(1, 8), iw = r.nextInt(1, 8);
            Padding p = switch (r.nextInt(3)) {
                case 0 -> Padding.SAME;
                case 1 -> Padding.VALID;
                default -> {
                    int fullH = (ih - 1) * sh + kh, fullW = (iw - 1) * sw + kw;
                    int pt = r.nextInt(0, fullH), pb = r.nextInt(0, fullH - pt), pl = r.nextInt(0, fullW), pr = r.nextInt(0, fullW - pl);
                    yield Padding.explicit(pt, pb, pl, pr);
                }
            };
            TConvSpec s = new TConvSpec(r.nextInt(1, 3), ih, iw, r.nextInt(1, 70), r.nextInt(1, 21), kh, kw, sh, sw, p);
            FpgaSimFixture.Case c = FpgaSimFixture.randomCase(s, r, r.nextBoolean() ? Rounding.SINGLE : Rounding.DOUBLE);
            byte[] want = TConvReference.int8(s, c.x(), c.w(), c.bias(), c.zpIn(), c.rq());
            for (Mm2imDriver.Leftover leftover : Mm2imDriver.Leftover.values()) {
                byte[] got = FpgaSimFixture.run(device, c, leftover);
                assertArrayEquals(want, got, "seed " + seed + ", layer " + s + ", leftover filters on " + leftover + ", "
                        + c.rq().rounding() + " rounding");
            }
        }
    }

    /** The accelerator keeps state between invocations; concurrent runs must not interleave their protocols. */
    @Test
    void concurrent_runs_on_one_accelerator_stay_bit_exact() throws Exception {
        long seed = System.nanoTime();
        var a = FpgaSimFixture.randomCase(TConvSpec.same(2, 16, 3, 6, 6, 40), new SplittableRandom(seed));
        var b = FpgaSimFixture.randomCase(TConvSpec.same(1, 8, 5, 5, 7, 24), new SplittableRandom(seed + 1));
        try (var pool = java.util.concurrent.Executors.newFixedThreadPool(2)) {
            var fa = pool.submit(() -> { for (int i = 0; i < 5; i++) assertArrayEquals(TConvReference.int8(a.spec(), a.x(), a.w(), a.bias(), a.zpIn(), a.rq()),
                    FpgaSimFixture.run(device, a, Mm2imDriver.Leftover.CPU), "seed " + seed); return null; });
            var fb = pool.submit(() -> { for (int i = 0; i < 5; i++) assertArrayEquals(TConvReference.int8(b.spec(), b.x(), b.w(), b.bias(), b.zpIn(), b.rq()),
                    FpgaSimFixture.run(device, b, Mm2imDriver.Leftover.CPU), "seed " + seed); return null; });
            fa.get();
            fb.get();
        }
    }

    @Test
    void a_layer_larger_than_the_buffers_is_refused_with_the_limit_named() {
        SplittableRandom r = new SplittableRandom(1);
        FpgaSimFixture.Case big = FpgaSimFixture.randomCase(TConvSpec.same(2, 8, 7, 2, 2, 1024), r);
        var e = assertThrows(IllegalArgumentException.class, () -> FpgaSimFixture.run(device, big, Mm2imDriver.Leftover.CPU));
        assertTrue(e.getMessage().contains("weight words"), e.getMessage());
        FpgaSimFixture.Case wide = FpgaSimFixture.randomCase(TConvSpec.same(1, 8, 3, 3, 2000, 16), r);
        e = assertThrows(IllegalArgumentException.class, () -> FpgaSimFixture.run(device, wide, Mm2imDriver.Leftover.CPU));
        assertTrue(e.getMessage().contains("open accumulators"), e.getMessage());
    }

    /** The accelerator itself (not only the driver) refuses bad requests with a status word and stays usable. */
    @Test
    void the_accelerator_reports_bad_requests_in_its_status_word() {
        SimPort port = SimPort.shared();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment in = arena.allocate(JAVA_INT, 64), out = arena.allocate(JAVA_INT, 64);
            int[] oversize = {64, 4, 4, 8, 5000, 3, 3, 2, 2, 1, 1, 8, 0, 0};  // 3 rows x 5000 > 4096 accumulators
            MemorySegment.copy(oversize, 0, in, JAVA_INT, 0, oversize.length);
            Mm2imPort.Invocation r = port.exec(Mm2imProtocol.OP_LOAD_CONFIG, in, oversize.length, out);
            assertEquals("MM2IM_ERR_CONFIG_RANGE", Mm2imProtocol.statusName(r.status()), "ow 5000 > MAX_DIM");
            int[] wide = {64, 4, 4, 8, 2000, 3, 3, 2, 2, 1, 1, 8, 0, 0};
            MemorySegment.copy(wide, 0, in, JAVA_INT, 0, wide.length);
            assertEquals("MM2IM_ERR_ACC_CAPACITY", Mm2imProtocol.statusName(port.exec(Mm2imProtocol.OP_LOAD_CONFIG, in, wide.length, out).status()));
            assertEquals("MM2IM_ERR_NO_CONFIG", Mm2imProtocol.statusName(port.exec(Mm2imProtocol.OP_SCHEDULE, in, 0, out).status()));
            assertEquals("MM2IM_ERR_OPCODE", Mm2imProtocol.statusName(port.exec(128, in, 0, out).status()));
            // Two LOAD_INP without a SCHEDULE between them: the second has no free input bank.
            int[] small = {16, 2, 2, 2, 2, 1, 1, 1, 1, 0, 0, 8, 0, 0};  // 2x2x16 -> 2x2x8, K1 s1
            MemorySegment.copy(small, 0, in, JAVA_INT, 0, small.length);
            assertEquals("MM2IM_OK", Mm2imProtocol.statusName(port.exec(Mm2imProtocol.OP_LOAD_CONFIG, in, small.length, out).status()));
            in.fill((byte) 0);
            for (int f = 0; f < 8; f++) in.setAtIndex(JAVA_INT, 8 * 5 + 3 * f + 1, 1 << 30);  // multiplier 0.5, shift 0
            assertEquals("MM2IM_OK", Mm2imProtocol.statusName(port.exec(Mm2imProtocol.OP_LOAD_WGT, in, 8 * 5 + 24, out).status()));
            int[] chunk = {0, 1, 1, 2, 3, 4};  // pixel 0, one pixel, 4 words
            MemorySegment.copy(chunk, 0, in, JAVA_INT, 0, chunk.length);
            assertEquals("MM2IM_OK", Mm2imProtocol.statusName(port.exec(Mm2imProtocol.OP_LOAD_INP, in, chunk.length, out).status()));
            assertEquals("MM2IM_ERR_INPUT_BUSY", Mm2imProtocol.statusName(port.exec(Mm2imProtocol.OP_LOAD_INP, in, 0, out).status()));
            // Words the accelerator does not read are a protocol error of the host, reported by the simulation.
            var e = assertThrows(KilnNativeException.class, () -> port.exec(Mm2imProtocol.OP_SCHEDULE, in, 3, out));
            assertEquals("MM2IM_SIM_INPUT_LEFT_OVER", e.errorName());
        }
        // Still usable afterwards.
        FpgaSimFixture.Case c = FpgaSimFixture.randomCase(TConvSpec.same(2, 8, 3, 3, 3, 16), new SplittableRandom(2));
        assertArrayEquals(TConvReference.int8(c.spec(), c.x(), c.w(), c.bias(), c.zpIn(), c.rq()),
                FpgaSimFixture.run(device, c, Mm2imDriver.Leftover.CPU));
    }
}
