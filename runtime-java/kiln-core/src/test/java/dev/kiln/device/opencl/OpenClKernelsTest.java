package dev.kiln.device.opencl;

import dev.kiln.basics.BasicKernels;
import dev.kiln.device.Backend;
import dev.kiln.device.Buffer;
import dev.kiln.device.Device;
import dev.kiln.device.Devices;
import dev.kiln.device.Event;
import dev.kiln.device.Kernel;
import dev.kiln.device.Range;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The basics kernels on OpenCL (PoCL here and in CI: these must run, never skip) against fp64 Java. */
class OpenClKernelsTest {
    @BeforeAll
    static void openClIsHere() {
        Backend opencl = Devices.find("opencl").orElseThrow();
        assertTrue(opencl.availability().available(), "OpenCL must be available (PoCL is a Kiln dependency): " + opencl.availability().reason());
    }

    @RepeatedTest(3)
    void saxpy_matches_fp64_on_random_input() {
        long seed = Long.getLong("kiln.test.seed", System.nanoTime()); // -Dkiln.test.seed=N pins it
        SplittableRandom rnd = new SplittableRandom(seed);
        int n = 1 + rnd.nextInt(200_000);
        float a = (float) rnd.nextDouble(-3, 3);
        float[] x = gaussian(rnd, n), y = gaussian(rnd, n);
        try (Device dev = Devices.open("opencl"); Arena arena = Arena.ofConfined()) {
            MemorySegment hy = arena.allocateFrom(ValueLayout.JAVA_FLOAT, y);
            try (Buffer bx = dev.upload(arena.allocateFrom(ValueLayout.JAVA_FLOAT, x)); Buffer by = dev.upload(hy)) {
                Event e = BasicKernels.saxpy(dev, a, bx, by, n);
                assertTrue(e.elapsedNanos() > 0, "profiling time of saxpy should be positive, was " + e.elapsedNanos());
                dev.queue().read(by, 0, hy);
            }
            for (int i = 0; i < n; i++) {
                double want = (double) a * x[i] + y[i];
                // one fp32 rounding of an fma: half an ulp of the result, plus slack for denormal edge cases
                double tol = Math.ulp((float) want) + 1e-30;
                assertEquals(want, hy.getAtIndex(ValueLayout.JAVA_FLOAT, i), tol, "seed " + seed + " n " + n + " i " + i);
            }
        }
    }

    @RepeatedTest(3)
    void block_sum_matches_fp64_on_random_input() {
        long seed = Long.getLong("kiln.test.seed", System.nanoTime()); // -Dkiln.test.seed=N pins it
        SplittableRandom rnd = new SplittableRandom(seed);
        int n = 1 + rnd.nextInt(500_000);
        float[] x = gaussian(rnd, n);
        try (Device dev = Devices.open("opencl"); Arena arena = Arena.ofConfined();
             Buffer bx = dev.upload(arena.allocateFrom(ValueLayout.JAVA_FLOAT, x))) {
            double want = 0, abs = 0;
            for (float v : x) { want += v; abs += Math.abs(v); }
            double got = BasicKernels.blockSum(dev, bx, n);
            assertEquals(want, got, 1e-6 * abs, "seed " + seed + " n " + n);
        }
    }

    /**
     * Same range, same arguments, every partial equal to the fp64 sum of exactly the elements the
     * cpu kernel (BasicCpuKernels) assigns to that group: the two backends share one definition.
     * Group sizes that are not powers of two exercise the general tree fold.
     */
    @RepeatedTest(3)
    void block_sum_partials_follow_the_cpu_definition_for_any_group_size() {
        long seed = Long.getLong("kiln.test.seed", System.nanoTime()); // -Dkiln.test.seed=N pins it
        SplittableRandom rnd = new SplittableRandom(seed);
        int local = 1 + rnd.nextInt(300);
        int groups = 1 + rnd.nextInt(40);
        int n = rnd.nextInt(local * groups * 5 + 2);
        float[] x = gaussian(rnd, Math.max(1, n));
        long global = (long) local * groups;
        double[] want = new double[groups];
        double[] abs = new double[groups];
        for (int g = 0; g < groups; g++) {
            for (long base = (long) g * local; base < n; base += global) {
                for (long i = base; i < Math.min(base + local, n); i++) { want[g] += x[(int) i]; abs[g] += Math.abs(x[(int) i]); }
            }
        }
        for (String backend : new String[]{"opencl", "cpu"}) {
            try (Device dev = Devices.open(backend); Arena arena = Arena.ofConfined();
                 Buffer bx = dev.upload(arena.allocateFrom(ValueLayout.JAVA_FLOAT, x));
                 Buffer partial = dev.allocate((long) groups * Float.BYTES)) {
                Kernel k = dev.kernel(BasicKernels.PROGRAM, "block_sum");
                dev.queue().launch(k, new Range(new long[]{global}, new long[]{local}), n, bx, partial,
                        new Kernel.LocalMemory((long) local * Float.BYTES));
                MemorySegment host = arena.allocate((long) groups * Float.BYTES);
                dev.queue().read(partial, 0, host);
                for (int g = 0; g < groups; g++) {
                    assertEquals(want[g], host.getAtIndex(ValueLayout.JAVA_FLOAT, g), 1e-6 * abs[g] + 1e-7,
                            backend + " seed " + seed + " n " + n + " local " + local + " groups " + groups + " group " + g);
                }
            }
        }
    }

    @Test
    void a_second_queue_runs_in_order_and_reads_heap_memory() {
        long seed = Long.getLong("kiln.test.seed", System.nanoTime()); // -Dkiln.test.seed=N pins it
        SplittableRandom rnd = new SplittableRandom(seed);
        int n = 4096;
        float[] x = gaussian(rnd, n), y = gaussian(rnd, n);
        try (Device dev = Devices.open("opencl"); var q = dev.newQueue();
             Buffer bx = dev.allocate((long) n * 4); Buffer by = dev.allocate((long) n * 4)) {
            q.write(bx, 0, MemorySegment.ofArray(x));
            q.write(by, 0, MemorySegment.ofArray(y));
            Kernel k = dev.kernel(BasicKernels.PROGRAM, "saxpy");
            for (int r = 0; r < 3; r++) q.launch(k, Range.of1D(n, 64), n, 2.0f, bx, by);
            float[] out = new float[n];
            q.read(by, 0, MemorySegment.ofArray(out));
            q.finish();
            for (int i = 0; i < n; i++) {
                float want = y[i];
                for (int r = 0; r < 3; r++) want = Math.fma(2.0f, x[i], want);   // fp32 fma, as the kernel's fma
                assertEquals(want, out[i], 0.0f, "seed " + seed + " i " + i);
            }
        }
    }

    /**
     * One kernel object, four threads, each with its own buffers and scale: setting arguments and
     * enqueueing must be one step, or a thread would launch with another's buffers.
     */
    @Test
    void concurrent_launches_of_one_kernel_keep_their_own_arguments() throws Exception {
        long seed = Long.getLong("kiln.test.seed", System.nanoTime()); // -Dkiln.test.seed=N pins it
        int n = 2048, threads = 4, rounds = 50;
        try (Device dev = Devices.open("opencl")) {
            Kernel k = dev.kernel(BasicKernels.PROGRAM, "saxpy");
            var pool = Executors.newFixedThreadPool(threads);
            try {
                var futures = new ArrayList<Future<?>>();
                for (int t = 0; t < threads; t++) {
                    float a = t + 1;
                    futures.add(pool.submit(() -> {
                        float[] ones = new float[n];
                        Arrays.fill(ones, 1f);
                        try (Buffer x = dev.allocate(n * 4L); Buffer y = dev.allocate(n * 4L)) {
                            dev.queue().write(x, 0, MemorySegment.ofArray(ones));
                            dev.queue().write(y, 0, MemorySegment.ofArray(new float[n]));
                            for (int r = 0; r < rounds; r++) dev.queue().launch(k, Range.of1D(n, 64), n, a, x, y);
                            float[] out = new float[n];
                            dev.queue().read(y, 0, MemorySegment.ofArray(out));
                            for (int i = 0; i < n; i++) {
                                assertEquals(a * rounds, out[i], 0f, "seed " + seed + " scale " + a + " i " + i);
                            }
                        }
                        return null;
                    }));
                }
                for (var f : futures) f.get();
            } finally {
                pool.shutdown();
            }
            dev.queue().finish();
        }
    }

    static float[] gaussian(SplittableRandom rnd, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) (rnd.nextDouble() * 2 - 1) * (float) Math.exp(rnd.nextDouble(-3, 3));
        return v;
    }
}
