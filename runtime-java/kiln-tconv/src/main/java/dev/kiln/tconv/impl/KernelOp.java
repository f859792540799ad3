package dev.kiln.tconv.impl;

import dev.kiln.device.Buffer;
import dev.kiln.device.Device;
import dev.kiln.device.Event;
import dev.kiln.device.Kernel;
import dev.kiln.device.Queue;
import dev.kiln.device.Range;
import dev.kiln.tconv.TConvOp;
import dev.kiln.tconv.TConvSpec;
import dev.kiln.tconv.cpu.Geometry;
import dev.kiln.tconv.cpu.TConvCpuKernels;

import java.util.ArrayList;
import java.util.List;

/**
 * An op made of one or more launches of program {@code tconv} kernels. Each launch gets the layer geometry
 * first, then its own arguments, where {@link #INPUT} and {@link #OUTPUT} stand for the buffers given to
 * {@link #run}. The event's time is the sum of the kernels' device times.
 */
final class KernelOp implements TConvOp {
    static final Object INPUT = new Object(), OUTPUT = new Object();

    private record Launch(Kernel kernel, Range range, Object[] args) {}

    private final Device device;
    private final TConvSpec spec;
    private final Uploads owned;
    private final List<Launch> launches = new ArrayList<>();
    private final long inputBytes, outputBytes;

    KernelOp(Device device, TConvSpec spec, Uploads owned, int elementBytes) {
        this.device = device;
        this.spec = spec;
        this.owned = owned;
        this.inputBytes = spec.inputElements() * elementBytes;
        this.outputBytes = spec.outputElements() * elementBytes;
    }

    /** Adds a launch of {@code function} over {@code range} with arguments after the geometry. */
    KernelOp then(String function, Range range, Object... args) {
        Object[] all = new Object[Geometry.ARGS + args.length];
        System.arraycopy(Geometry.args(spec), 0, all, 0, Geometry.ARGS);
        System.arraycopy(args, 0, all, Geometry.ARGS, args.length);
        launches.add(new Launch(device.kernel(TConvCpuKernels.PROGRAM, function), range, all));
        return this;
    }

    @Override public TConvSpec spec() { return spec; }

    @Override public Device device() { return device; }

    @Override
    public Event run(Buffer input, Buffer output) {
        check("input", input, inputBytes);
        check("output", output, outputBytes);
        Queue q = device.queue();
        List<Event> events = new ArrayList<>(launches.size());
        for (Launch l : launches) {
            Object[] args = l.args().clone();
            for (int i = 0; i < args.length; i++) {
                if (args[i] == INPUT) args[i] = input;
                else if (args[i] == OUTPUT) args[i] = output;
            }
            events.add(q.launch(l.kernel(), l.range(), args));
        }
        return new Event() {
            @Override public void await() { events.forEach(Event::await); }

            @Override public long elapsedNanos() { return events.stream().mapToLong(Event::elapsedNanos).sum(); }
        };
    }

    private void check(String what, Buffer b, long bytes) {
        if (b.byteSize() < bytes) {
            throw new IllegalArgumentException(what + " buffer has " + b.byteSize() + " bytes, " + spec.label() + " needs " + bytes);
        }
        if (b.device() != device) throw new IllegalArgumentException(what + " buffer belongs to another device");
    }

    @Override
    public void close() { owned.close(); }
}
