package dev.kiln.inference.quant.cpu;

import dev.kiln.device.cpu.CpuKernel;
import dev.kiln.device.cpu.CpuKernelLibrary;
import dev.kiln.device.cpu.CpuLaunch;
import dev.kiln.device.cpu.CpuParallel;
import dev.kiln.inference.quant.QuantGemvKernels;
import dev.kiln.inference.quant.QuantizedGemv;
import dev.kiln.inference.tensor.Tensor;
import dev.kiln.inference.tensor.TensorType;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Map;

/** The cpu program {@code quant_gemv}: the contract of {@code quant_gemv.cl}, run by {@link QuantizedGemv}'s Java rows. */
public final class QuantCpuKernels implements CpuKernelLibrary {
    @Override public String program() { return QuantGemvKernels.PROGRAM; }

    @Override
    public Map<String, CpuKernel> kernels() {
        return Map.of("gemv_q8_0", l -> run(l, TensorType.Q8_0), "gemv_q4_0", l -> run(l, TensorType.Q4_0));
    }

    private static void run(CpuLaunch l, TensorType type) {
        int batch = l.intArg(0), in = l.intArg(1), out = l.intArg(2);
        MemorySegment w = l.buffer(3), xs = l.buffer(4), ys = l.buffer(5);
        Tensor t = new Tensor("w", type, new long[]{out, in}, w.asSlice(0, type.byteSize((long) out * in)));
        float[] x = xs.asSlice(0, (long) batch * in * Float.BYTES).toArray(ValueLayout.JAVA_FLOAT);
        float[] y = new float[batch * out];
        CpuParallel.forRange(out, 8, (from, to) -> QuantizedGemv.rows(x, batch, in, t, (int) from, (int) to, out, y));
        MemorySegment.copy(y, 0, ys, ValueLayout.JAVA_FLOAT, 0, y.length);
    }
}
