package dev.kiln.device.cuda;

import dev.kiln.basics.BasicKernels;
import dev.kiln.device.KilnNativeException;
import dev.kiln.device.Buffer;
import dev.kiln.device.Device;
import dev.kiln.device.DeviceInfo;
import dev.kiln.device.Devices;
import dev.kiln.device.Kernel;
import dev.kiln.device.Range;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;
import java.util.function.Supplier;

/**
 * Runs in a child JVM whose libcuda.so.1 is the test stub (src/test/c/fake_libcuda.c): drives the
 * whole cuda backend (discovery, context, memory, PTX load, parameter marshalling, launch, events)
 * and checks the results against fp64. Prints one line per check; exits 1 on the first failure.
 */
public final class FakeCudaDriverProbe {
    private FakeCudaDriverProbe() {}

    public static void main(String[] args) {
        long seed = args.length > 0 ? Long.parseLong(args[0]) : System.nanoTime();
        try {
            run(seed);
        } catch (Throwable t) {
            System.out.println("FAIL seed " + seed + ": " + t);
            t.printStackTrace(System.out);
            System.exit(1);
        }
    }

    private static void run(long seed) {
        DeviceInfo info = Devices.find("cuda").orElseThrow().devices().getFirst();
        check("discovery", info.name().equals("Kiln fake GPU 0") && info.properties().get("computeCapability").equals("9.0")
                && info.computeUnits() == 132 && info.maxWorkGroupSize() == 1024, () -> info.toString());
        check("auto picks cuda", Devices.backend("auto").name().equals("cuda"), () -> Devices.backend("auto").name());

        SplittableRandom rnd = new SplittableRandom(seed);
        int n = 1 + rnd.nextInt(100_000);
        float a = (float) rnd.nextDouble(-3, 3);
        float[] x = new float[n], y = new float[n];
        for (int i = 0; i < n; i++) { x[i] = (float) rnd.nextGaussian(); y[i] = (float) rnd.nextGaussian(); }
        try (Device dev = Devices.open("cuda"); Arena arena = Arena.ofConfined()) {
            MemorySegment hy = arena.allocateFrom(ValueLayout.JAVA_FLOAT, y);
            try (Buffer bx = dev.upload(arena.allocateFrom(ValueLayout.JAVA_FLOAT, x)); Buffer by = dev.upload(hy)) {
                long ns = BasicKernels.saxpy(dev, a, bx, by, n).elapsedNanos();
                check("event time from cuEventElapsedTime_v2", ns == 1000, () -> ns + " ns");
                dev.queue().read(by, 0, hy);
                double worst = 0;
                for (int i = 0; i < n; i++) {
                    double want = (double) a * x[i] + y[i];
                    worst = Math.max(worst, Math.abs(hy.getAtIndex(ValueLayout.JAVA_FLOAT, i) - want) / (Math.ulp((float) want) + 1e-30));
                }
                double w = worst;
                check("saxpy n=" + n, worst <= 1, () -> "worst error " + w + " ulp");
                double want = 0, abs = 0;
                for (float v : x) { want += v; abs += Math.abs(v); }
                double got = BasicKernels.blockSum(dev, bx, n), wantSum = want, absSum = abs;
                check("block_sum n=" + n, Math.abs(got - want) <= 1e-6 * abs, () -> "got " + got + " want " + wantSum + " Σ|x| " + absSum);

                Kernel saxpy = dev.kernel(BasicKernels.PROGRAM, "saxpy");
                expect("an int where a pointer goes", IllegalArgumentException.class, "kernel parameter has 8 bytes",
                        () -> dev.queue().launch(saxpy, Range.of1D(16, 16), 16, 2f, bx, 7));
                expect("a wrong argument count", IllegalArgumentException.class, "takes 4 arguments, got 3",
                        () -> dev.queue().launch(saxpy, Range.of1D(16, 16), 16, 2f, bx));
                Kernel blockSum = dev.kernel(BasicKernels.PROGRAM, "block_sum");
                expect("two LocalMemory arguments", IllegalArgumentException.class, "second LocalMemory",
                        () -> dev.queue().launch(blockSum, Range.of1D(16, 16), 16, new Kernel.LocalMemory(64), by, new Kernel.LocalMemory(64)));
            }
            expect("a PTX JIT error", KilnNativeException.class, "cuModuleLoadDataEx failed with CUDA_ERROR_INVALID_PTX (218)",
                    () -> ((CudaDevice) dev).kernelFromPtx("broken", ".entry broken() { this_is_not_ptx; }", "broken"));
            expect("the JIT error log", KilnNativeException.class, "Unknown symbol 'this_is_not_ptx'",
                    () -> ((CudaDevice) dev).kernelFromPtx("broken", ".entry broken() { this_is_not_ptx; }", "broken"));
            expect("a missing kernel", KilnNativeException.class, "cuModuleGetFunction failed with CUDA_ERROR_NOT_FOUND (500)",
                    () -> dev.kernel(BasicKernels.PROGRAM, "no_such_kernel"));
        }
        System.out.println("ALL CHECKS PASSED");
    }

    private static void check(String what, boolean ok, Supplier<String> detail) {
        if (!ok) throw new AssertionError(what + ": " + detail.get());
        System.out.println("ok " + what);
    }

    private static void expect(String what, Class<? extends Throwable> type, String fragment, Runnable action) {
        try {
            action.run();
        } catch (Throwable t) {
            check(what + " -> " + type.getSimpleName(), type.isInstance(t) && t.getMessage().contains(fragment), () -> t.toString());
            return;
        }
        throw new AssertionError(what + ": no exception");
    }
}
