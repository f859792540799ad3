package dev.kiln.tconv;

import dev.kiln.device.Buffer;
import dev.kiln.device.Device;
import dev.kiln.tconv.quant.Requantizer;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** Host arrays in, host arrays out: prepare, upload, run once, read back. For tests, verify and {@code kiln tconv run}. */
public final class TConvRunner {
    private TConvRunner() {}

    public static float[] fp32(TConvImpl impl, Device d, TConvSpec s, float[] x, float[] w, float[] bias) {
        requireInput(s, x.length);
        try (TConvOp op = impl.fp32(d, s, w, bias); Arena arena = Arena.ofConfined();
             Buffer in = d.upload(arena.allocateFrom(ValueLayout.JAVA_FLOAT, x));
             Buffer out = d.allocate(4 * s.outputElements())) {
            op.run(in, out).await();
            MemorySegment host = arena.allocate(4 * s.outputElements(), 64);
            d.queue().read(out, 0, host);
            return host.toArray(ValueLayout.JAVA_FLOAT);
        }
    }

    public static byte[] int8(TConvImpl impl, Device d, TConvSpec s, byte[] x, byte[] w, int[] bias, int inZp, Requantizer rq) {
        requireInput(s, x.length);
        try (TConvOp op = impl.int8(d, s, w, bias, inZp, rq); Arena arena = Arena.ofConfined();
             Buffer in = d.upload(arena.allocateFrom(ValueLayout.JAVA_BYTE, x));
             Buffer out = d.allocate(s.outputElements())) {
            op.run(in, out).await();
            MemorySegment host = arena.allocate(s.outputElements(), 64);
            d.queue().read(out, 0, host);
            return host.toArray(ValueLayout.JAVA_BYTE);
        }
    }

    private static void requireInput(TConvSpec s, int length) {
        if (length != s.inputElements()) {
            throw new IllegalArgumentException("input has " + length + " elements, " + s.label() + " needs " + s.inputElements());
        }
    }
}
