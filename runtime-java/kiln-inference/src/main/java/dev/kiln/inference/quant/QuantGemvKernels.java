package dev.kiln.inference.quant;

import dev.kiln.device.Buffer;
import dev.kiln.device.Device;
import dev.kiln.device.Event;
import dev.kiln.device.Kernel;
import dev.kiln.device.Range;
import dev.kiln.inference.tensor.TensorType;

/**
 * Launches of the {@code quant_gemv} program on any device: {@code kernels/opencl/quant_gemv.cl} (one source, also
 * built as CUDA by {@code kernels/cuda/quant_gemv.cu}) and the cpu program {@code QuantCpuKernels}. One work-group
 * per output row.
 */
public final class QuantGemvKernels {
    public static final String PROGRAM = "quant_gemv";
    static final int GROUP = 64;

    private QuantGemvKernels() {}

    /** {@code y [batch][out] = x [batch][in] · wᵀ}, {@code w [out][in]} in Q8_0 or Q4_0, all on {@code device}. */
    public static Event gemv(Device device, TensorType type, Buffer w, Buffer x, Buffer y, int batch, int in, int out) {
        if (type != TensorType.Q8_0 && type != TensorType.Q4_0) throw new IllegalArgumentException("type = " + type + "; the device kernels take Q8_0 and Q4_0");
        if (batch < 1 || out < 1 || in < 32 || in % 32 != 0) {
            throw new IllegalArgumentException("batch = " + batch + ", in = " + in + ", out = " + out + "; need batch, out >= 1 and in a positive multiple of 32");
        }
        long wBytes = type.byteSize((long) out * in);
        if (w.byteSize() < wBytes) throw new IllegalArgumentException("w has " + w.byteSize() + " bytes, needs " + wBytes);
        if (x.byteSize() < (long) batch * in * Float.BYTES) throw new IllegalArgumentException("x has " + x.byteSize() + " bytes, needs " + (long) batch * in * Float.BYTES);
        if (y.byteSize() < (long) batch * out * Float.BYTES) throw new IllegalArgumentException("y has " + y.byteSize() + " bytes, needs " + (long) batch * out * Float.BYTES);
        Kernel k = device.kernel(PROGRAM, type == TensorType.Q8_0 ? "gemv_q8_0" : "gemv_q4_0");
        return device.queue().launch(k, Range.of1D((long) out * GROUP, GROUP), batch, in, out, w, x, y,
                new Kernel.LocalMemory((long) GROUP * Float.BYTES));
    }
}
