package dev.kiln.cli;

import dev.kiln.basics.BasicKernels;
import dev.kiln.device.Buffer;
import dev.kiln.device.Device;
import dev.kiln.device.Devices;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/** Demo section: saxpy and the block sum on each backend, against fp64 Java. */
final class KernelsDemo implements DemoSection {
    private static final int N = 1 << 20;

    @Override public String title() { return "first kernels: saxpy, block sum"; }

    @Override
    public List<DemoResult> run(List<String> backends) {
        List<DemoResult> out = new ArrayList<>();
        long seed = System.nanoTime();
        SplittableRandom rnd = new SplittableRandom(seed);
        float a = (float) rnd.nextDouble(-2, 2);
        float[] x = new float[N], y = new float[N];
        for (int i = 0; i < N; i++) { x[i] = (float) rnd.nextDouble(-1, 1); y[i] = (float) rnd.nextDouble(-1, 1); }
        for (String name : backends) {
            try (Device dev = Devices.open(name); Arena arena = Arena.ofConfined()) {
                MemorySegment hx = arena.allocateFrom(ValueLayout.JAVA_FLOAT, x);
                MemorySegment hy = arena.allocateFrom(ValueLayout.JAVA_FLOAT, y);
                try (Buffer bx = dev.upload(hx); Buffer by = dev.upload(hy)) {
                    long ns = BasicKernels.saxpy(dev, a, bx, by, N).elapsedNanos();
                    dev.queue().read(by, 0, hy);
                    double maxErr = 0;
                    for (int i = 0; i < N; i++) {
                        double want = (double) a * x[i] + y[i];
                        maxErr = Math.max(maxErr, Math.abs(hy.getAtIndex(ValueLayout.JAVA_FLOAT, i) - want));
                    }
                    out.add(new DemoResult("saxpy n=" + N, name, maxErr <= 1e-6, String.format("max abs err %.1e, %.3f ms", maxErr, ns / 1e6)));

                    double want = 0, absSum = 0;
                    for (float v : x) { want += v; absSum += Math.abs(v); }
                    double got = BasicKernels.blockSum(dev, bx, N);
                    double rel = Math.abs(got - want) / absSum;
                    out.add(new DemoResult("block sum n=" + N, name, rel <= 1e-6, String.format("err/Σ|x| %.1e (seed %d)", rel, seed)));
                }
            }
        }
        return out;
    }
}
