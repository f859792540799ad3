package dev.kiln.device.cpu;

import dev.kiln.device.Buffer;
import dev.kiln.device.Event;
import dev.kiln.device.Kernel;
import dev.kiln.device.KernelArgs;
import dev.kiln.device.Queue;
import dev.kiln.device.Range;

import java.lang.foreign.MemorySegment;

/** Runs each command on the calling thread (kernels fan out over {@link CpuParallel}); in order by construction. */
final class CpuQueue implements Queue {
    private final CpuDevice device;

    CpuQueue(CpuDevice device) { this.device = device; }

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

    @Override
    public Event launch(Kernel kernel, Range range, Object... args) {
        KernelArgs.check(kernel, device, args);
        long t0 = System.nanoTime();
        ((CpuDevice.CpuCompiledKernel) kernel).body().run(new CpuLaunch(range, args.clone()));
        return Event.completed(System.nanoTime() - t0);
    }

    @Override
    public void finish() {}
}
