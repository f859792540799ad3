package dev.kiln.tconv.impl;

import dev.kiln.device.Buffer;
import dev.kiln.device.Device;
import dev.kiln.device.Event;
import dev.kiln.tconv.TConvImpl;
import dev.kiln.tconv.TConvOp;
import dev.kiln.tconv.TConvSpec;
import dev.kiln.tconv.quant.Requantizer;
import dev.kiln.tconv.reference.TConvReference;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Optional;

/** {@link TConvReference} behind the common API, on cpu only: fp64 loops rounded once to fp32, exact int8. */
public final class ReferenceImpl implements TConvImpl {
    /** Stateless: one instance serves every device and layer ({@link dev.kiln.tconv.TConvImpls}). */
    public ReferenceImpl() {}

    @Override public String name() { return "reference"; }

    @Override
    public Optional<String> unsupported(String backend) {
        return backend.equals("cpu") ? Optional.empty() : Optional.of("reference runs on the host (cpu backend) only, not on '" + backend + "'");
    }

    @Override
    public TConvOp fp32(Device d, TConvSpec s, float[] weights, float[] bias) {
        Backends.checkLengths(s, -1, weights.length, bias == null ? -1 : bias.length);
        return new HostOp(d, s, 4, (in, out) -> {
            double[] y = TConvReference.fp64(s, in.toArray(ValueLayout.JAVA_FLOAT), weights, bias);
            for (int i = 0; i < y.length; i++) out.setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) y[i]);
        });
    }

    @Override
    public TConvOp int8(Device d, TConvSpec s, byte[] weights, int[] bias, int inZp, Requantizer rq) {
        Backends.requireSupported(this, s, true);
        Backends.checkLengths(s, -1, weights.length, bias == null ? -1 : bias.length);
        return new HostOp(d, s, 1, (in, out) -> {
            byte[] y = TConvReference.int8(s, in.toArray(ValueLayout.JAVA_BYTE), weights, bias, inZp, rq);
            MemorySegment.copy(y, 0, out, ValueLayout.JAVA_BYTE, 0, y.length);
        });
    }

    private record HostOp(Device device, TConvSpec spec, int elementBytes, Body body) implements TConvOp {
        interface Body { void run(MemorySegment in, MemorySegment out); }

        HostOp {
            if (!device.backendName().equals("cpu")) throw new IllegalArgumentException("reference runs on the cpu backend only");
        }

        @Override
        public Event run(Buffer input, Buffer output) {
            long t0 = System.nanoTime();
            MemorySegment in = input.hostSegment();
            body.run(in.asSlice(0, spec.inputElements() * elementBytes), output.hostSegment());
            return Event.completed(System.nanoTime() - t0);
        }

        @Override public void close() {}
    }
}
