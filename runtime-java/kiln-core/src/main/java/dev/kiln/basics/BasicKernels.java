package dev.kiln.basics;

import dev.kiln.device.Buffer;
import dev.kiln.device.Device;
import dev.kiln.device.Event;
import dev.kiln.device.Kernel;
import dev.kiln.device.Range;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The first two kernels, on any device: {@code saxpy} ({@code y = a·x + y}) and a block sum reduction
 * (each work-group sums a grid-strided slice into one partial; the host adds the partials in fp64).
 * Sources: {@code kernels/opencl/basics.cl}, {@code kernels/cuda/basics.cu}, {@link BasicCpuKernels}.
 */
public final class BasicKernels {
    public static final String PROGRAM = "basics";
    public static final int GROUP = 256;

    private BasicKernels() {}

    /** {@code y ← a·x + y} over {@code n} floats; returns the kernel's device time. */
    public static Event saxpy(Device device, float a, Buffer x, Buffer y, int n) {
        checkFloats("x", x, n);
        checkFloats("y", y, n);
        Kernel k = device.kernel(PROGRAM, "saxpy");
        return device.queue().launch(k, Range.of1D(n, GROUP), n, a, x, y);
    }

    /** Sum of the first {@code n} floats of {@code x}: partials on the device, their fp64 sum on the host. */
    public static double blockSum(Device device, Buffer x, int n) {
        checkFloats("x", x, n);
        int groups = Math.max(1, Math.min(device.info().computeUnits() * 8, Math.ceilDiv(n, GROUP)));
        try (Buffer partial = device.allocate((long) groups * Float.BYTES); Arena arena = Arena.ofConfined()) {
            Kernel k = device.kernel(PROGRAM, "block_sum");
            device.queue().launch(k, Range.of1D((long) groups * GROUP, GROUP), n, x, partial,
                    new Kernel.LocalMemory((long) GROUP * Float.BYTES));
            MemorySegment host = arena.allocate((long) groups * Float.BYTES);
            device.queue().read(partial, 0, host);
            double sum = 0;
            for (int g = 0; g < groups; g++) sum += host.getAtIndex(ValueLayout.JAVA_FLOAT, g);
            return sum;
        }
    }

    private static void checkFloats(String name, Buffer b, int n) {
        if (n < 0) throw new IllegalArgumentException("n must be >= 0, was " + n);
        if (b.byteSize() < (long) n * Float.BYTES) {
            throw new IllegalArgumentException("buffer " + name + " has " + b.byteSize() + " bytes, needs " + (long) n * Float.BYTES + " for n=" + n);
        }
    }
}
