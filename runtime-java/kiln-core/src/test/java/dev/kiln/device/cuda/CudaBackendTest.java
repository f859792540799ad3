package dev.kiln.device.cuda;

import dev.kiln.basics.BasicKernels;
import dev.kiln.device.KilnNativeException;
import dev.kiln.bind.cuda.CudaLibrary;
import dev.kiln.device.Availability;
import dev.kiln.device.Backend;
import dev.kiln.device.Buffer;
import dev.kiln.device.Device;
import dev.kiln.device.Devices;
import dev.kiln.device.Event;
import dev.kiln.device.Kernel;
import dev.kiln.device.Range;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The CUDA backend on a GPU; without one, these skip and say why, and the unavailable path is checked instead. */
class CudaBackendTest {
    private static final Backend CUDA = Devices.find("cuda").orElseThrow();

    private static void assumeGpu() {
        Availability a = CUDA.availability();
        Assumptions.assumeTrue(a.available(), () -> "no CUDA: " + a.reason());
    }

    @Test
    void without_a_gpu_the_backend_says_why_and_refuses_to_open() {
        Availability a = CUDA.availability();
        Assumptions.assumeFalse(a.available(), "a GPU is present; the unavailable path cannot be observed");
        assertNotNull(a.reason());
        assertTrue(CUDA.devices().isEmpty());
        if (!CudaLibrary.isAvailable()) assertTrue(a.reason().contains("libcuda.so.1"), a.reason());
        var e = assertThrows(IllegalStateException.class, () -> Devices.open("cuda"));
        assertTrue(e.getMessage().contains("backend 'cuda' is not available here: " + a.reason()), e.getMessage());
        assertFalse(Devices.availableNames().contains("cuda"));
        assertTrue(CUDA.priority() > Devices.find("opencl").orElseThrow().priority(), "cuda outranks opencl in auto-selection");
    }

    @RepeatedTest(3)
    void saxpy_and_block_sum_match_fp64_on_random_input() {
        assumeGpu();
        long seed = Long.getLong("kiln.test.seed", System.nanoTime()); // -Dkiln.test.seed=N pins it
        SplittableRandom rnd = new SplittableRandom(seed);
        int n = 1 + rnd.nextInt(3_000_000);
        float a = (float) rnd.nextDouble(-3, 3);
        float[] x = new float[n], y = new float[n];
        for (int i = 0; i < n; i++) { x[i] = (float) rnd.nextGaussian(); y[i] = (float) rnd.nextGaussian(); }
        try (Device dev = Devices.open("cuda"); Arena arena = Arena.ofConfined()) {
            MemorySegment hy = arena.allocateFrom(ValueLayout.JAVA_FLOAT, y);
            try (Buffer bx = dev.upload(arena.allocateFrom(ValueLayout.JAVA_FLOAT, x)); Buffer by = dev.upload(hy)) {
                Event e = BasicKernels.saxpy(dev, a, bx, by, n);
                assertTrue(e.elapsedNanos() > 0, "seed " + seed + ": cuEventElapsedTime gave " + e.elapsedNanos());
                dev.queue().read(by, 0, hy);
                for (int i = 0; i < n; i++) {
                    double want = (double) a * x[i] + y[i];
                    assertEquals(want, hy.getAtIndex(ValueLayout.JAVA_FLOAT, i), Math.ulp((float) want) + 1e-30, "seed " + seed + " i " + i);
                }
                double want = 0, abs = 0;
                for (float v : x) { want += v; abs += Math.abs(v); }
                assertEquals(want, BasicKernels.blockSum(dev, bx, n), 1e-6 * abs, "seed " + seed + " n " + n);
            }
        }
    }

    @Test
    void a_ptx_jit_error_names_cuModuleLoadDataEx_and_carries_the_jit_log() {
        assumeGpu();
        String broken = """
                .version 8.0
                .target sm_90
                .address_size 64
                .visible .entry broken() { this_is_not_ptx; }
                """;
        try (Device dev = Devices.open("cuda")) {
            var e = assertThrows(KilnNativeException.class, () -> ((CudaDevice) dev).kernelFromPtx("broken", broken, "broken"));
            assertEquals("cuModuleLoadDataEx", e.function());
            assertTrue(e.errorName().startsWith("CUDA_ERROR_"), e.getMessage());
            assertTrue(e.getMessage().contains("JIT error log:"), e.getMessage());
            assertTrue(e.getMessage().contains("this_is_not_ptx") || e.getMessage().contains("syntax"), "the JIT log shows the error: " + e.getMessage());
        }
    }

    @Test
    void bad_arguments_on_cuda_give_clear_exceptions() {
        assumeGpu();
        try (Device dev = Devices.open("cuda"); Device cpu = Devices.open("cpu");
             Buffer x = dev.allocate(64); Buffer foreign = cpu.allocate(64)) {
            Kernel k = dev.kernel(BasicKernels.PROGRAM, "saxpy");
            var wrongDevice = assertThrows(IllegalArgumentException.class, () -> dev.queue().launch(k, Range.of1D(16, 16), 16, 2.0f, x, foreign));
            assertTrue(wrongDevice.getMessage().contains("is a buffer of device"), wrongDevice.getMessage());
            var tooBig = assertThrows(IllegalArgumentException.class, () -> dev.queue().launch(k, Range.of1D(4096, 4096), 16, 2.0f, x, x));
            assertTrue(tooBig.getMessage().contains("threads per block"), tooBig.getMessage());
            var missing = assertThrows(KilnNativeException.class, () -> dev.kernel(BasicKernels.PROGRAM, "no_such_kernel"));
            assertEquals("cuModuleGetFunction", missing.function());
            assertEquals("CUDA_ERROR_NOT_FOUND", missing.errorName());
        }
    }
}
