package dev.kiln.device.fpga;

import dev.kiln.device.Buffer;
import dev.kiln.device.Event;
import dev.kiln.device.Kernel;
import dev.kiln.device.KernelArgs;
import dev.kiln.device.Queue;
import dev.kiln.device.Range;

import java.lang.foreign.MemorySegment;

/** In order by construction: each launch runs the driver to completion on the calling thread. */
final class FpgaQueue implements Queue {
    private final FpgaDevice device;

    FpgaQueue(FpgaDevice device) { this.device = device; }

    @Override
    public void write(Buffer dst, long dstOffset, MemorySegment src) {
        Queue.checkRange("write", dst, dstOffset, src.byteSize());
        MemorySegment.copy(src, 0, dst.hostSegment(), dstOffset, src.byteSize());
    }

    @Override
    public void read(Buffer src, long srcOffset, MemorySegment dst) {
        Queue.checkRange("read", src, srcOffset, dst.byteSize());
        MemorySegment.copy(src.hostSegment(), srcOffset, dst, 0, dst.byteSize());
    }

    /** The range is ignored: the accelerator's schedule comes from the layer, not from a grid. */
    @Override
    public Event launch(Kernel kernel, Range range, Object... args) {
        KernelArgs.check(kernel, device, args);
        if (args.length != Mm2imKernel.ARGS) {
            throw new IllegalArgumentException(kernel.program() + "/" + kernel.name() + " takes " + Mm2imKernel.ARGS
                    + " arguments (see Mm2imKernel.args), got " + args.length);
        }
        MemorySegment[] b = new MemorySegment[Mm2imKernel.BUFFERS];
        for (int i = 0; i < b.length; i++) {
            if (!(args[i] instanceof Buffer buffer)) throw new IllegalArgumentException("argument " + i + " of mm2im/tconv_int8 must be a Buffer");
            b[i] = buffer.hostSegment();
        }
        int[] v = new int[Mm2imKernel.ARGS - Mm2imKernel.BUFFERS];
        for (int i = 0; i < v.length; i++) {
            if (!(args[Mm2imKernel.BUFFERS + i] instanceof Integer n)) {
                throw new IllegalArgumentException("argument " + (Mm2imKernel.BUFFERS + i) + " of mm2im/tconv_int8 must be an Integer");
            }
            v[i] = n;
        }
        Mm2imLayer layer = new Mm2imLayer(v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10], v[11], v[12], v[13], v[14]);
        Mm2imDriver.Leftover leftover = v[15] == 0 ? Mm2imDriver.Leftover.CPU : Mm2imDriver.Leftover.ACCELERATOR;
        if (v[16] < 0 || v[16] >= PpuRounding.values().length) {
            throw new IllegalArgumentException("argument " + (Mm2imKernel.ARGS - 1) + " (rounding) of mm2im/tconv_int8 must be 0 (single) or 1 (double), was " + v[16]);
        }
        PpuRounding rounding = PpuRounding.values()[v[16]];
        long t0 = System.nanoTime();
        Mm2imRunStats stats = device.driver().run(layer, v[0], b[0], b[1], b[2], b[3], b[4], b[5], leftover, rounding);
        return new Mm2imEvent(stats, System.nanoTime() - t0);
    }

    @Override
    public void finish() {}
}
