package dev.kiln.basics;

import dev.kiln.device.Buffer;
import dev.kiln.device.Device;
import dev.kiln.device.Devices;
import dev.kiln.device.Range;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BasicKernelsCpuTest {
    @Test
    void saxpy_and_block_sum_match_fp64_on_random_input() {
        long seed = Long.getLong("kiln.test.seed", System.nanoTime()); // -Dkiln.test.seed=N pins it
        SplittableRandom rnd = new SplittableRandom(seed);
        int n = 1 + rnd.nextInt(300_000);
        float a = (float) rnd.nextDouble(-3, 3);
        try (Device dev = Devices.open("cpu"); Arena arena = Arena.ofConfined()) {
            float[] x = new float[n], y = new float[n];
            for (int i = 0; i < n; i++) { x[i] = (float) rnd.nextGaussian(); y[i] = (float) rnd.nextGaussian(); }
            MemorySegment hy = arena.allocateFrom(ValueLayout.JAVA_FLOAT, y);
            try (Buffer bx = dev.upload(arena.allocateFrom(ValueLayout.JAVA_FLOAT, x)); Buffer by = dev.upload(hy)) {
                BasicKernels.saxpy(dev, a, bx, by, n);
                dev.queue().read(by, 0, hy);
                for (int i = 0; i < n; i++) {
                    assertEquals((double) a * x[i] + y[i], hy.getAtIndex(ValueLayout.JAVA_FLOAT, i), 1e-5, "seed " + seed + " i " + i);
                }
                double want = 0, abs = 0;
                for (float v : x) { want += v; abs += Math.abs(v); }
                double got = BasicKernels.blockSum(dev, bx, n);
                assertTrue(Math.abs(got - want) <= 1e-6 * abs, "seed " + seed + ": got " + got + " want " + want);
            }
        }
    }

    @Test
    void closing_a_device_with_an_open_buffer_reports_the_leak() {
        Device dev = Devices.open("cpu");
        dev.allocate(1024);
        IllegalStateException e = assertThrows(IllegalStateException.class, dev::close);
        assertTrue(e.getMessage().contains("1 buffer(s) still open (1024 bytes)"), e.getMessage());
    }

    @Test
    void a_wrong_argument_type_names_the_argument() {
        try (Device dev = Devices.open("cpu")) {
            var k = dev.kernel(BasicKernels.PROGRAM, "saxpy");
            var e = assertThrows(IllegalArgumentException.class,
                    () -> dev.queue().launch(k, Range.of1D(1, 1), 1, "two"));
            assertTrue(e.getMessage().contains("argument 1 of kernel basics/saxpy"), e.getMessage());
        }
    }

}
