package dev.kiln.basics;

import dev.kiln.device.cpu.CpuKernel;
import dev.kiln.device.cpu.CpuKernelLibrary;
import dev.kiln.device.cpu.CpuLaunch;
import dev.kiln.device.cpu.CpuParallel;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Map;

/** The cpu versions of {@code basics}: same arguments and results as the OpenCL and CUDA kernels. */
public final class BasicCpuKernels implements CpuKernelLibrary {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;

    /** For {@link java.util.ServiceLoader}. */
    public BasicCpuKernels() {}

    @Override public String program() { return BasicKernels.PROGRAM; }

    @Override
    public Map<String, CpuKernel> kernels() {
        return Map.of("saxpy", BasicCpuKernels::saxpy, "block_sum", BasicCpuKernels::blockSum);
    }

    /** Arguments: int n, float a, x, y. */
    private static void saxpy(CpuLaunch l) {
        int n = l.intArg(0);
        float a = l.floatArg(1);
        MemorySegment x = l.buffer(2), y = l.buffer(3);
        CpuParallel.forRange(n, 1 << 14, (from, to) -> {
            long i = from;
            FloatVector va = FloatVector.broadcast(F, a);
            for (; i + F.length() <= to; i += F.length()) {
                FloatVector vx = FloatVector.fromMemorySegment(F, x, i * 4, ByteOrder.nativeOrder());
                FloatVector vy = FloatVector.fromMemorySegment(F, y, i * 4, ByteOrder.nativeOrder());
                vx.fma(va, vy).intoMemorySegment(y, i * 4, ByteOrder.nativeOrder());
            }
            for (; i < to; i++) {
                y.setAtIndex(ValueLayout.JAVA_FLOAT, i, a * x.getAtIndex(ValueLayout.JAVA_FLOAT, i) + y.getAtIndex(ValueLayout.JAVA_FLOAT, i));
            }
        });
    }

    /** Arguments: int n, x, partial, local scratch. Group g sums elements i ≡ g·L..g·L+L-1 (mod global). */
    private static void blockSum(CpuLaunch l) {
        int n = l.intArg(0);
        MemorySegment x = l.buffer(1), partial = l.buffer(2);
        long global = l.range().global()[0];
        int local = (int) l.range().local()[0];
        int groups = (int) l.range().groups(0);
        CpuParallel.forEach(groups, g -> {
            float sum = 0;
            for (long base = (long) g * local; base < n; base += global) {
                long end = Math.min(base + local, n);
                for (long i = base; i < end; i++) sum += x.getAtIndex(ValueLayout.JAVA_FLOAT, i);
            }
            partial.setAtIndex(ValueLayout.JAVA_FLOAT, g, sum);
        });
    }

}
