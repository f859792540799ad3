package dev.kiln.device.cuda;

import dev.kiln.bind.cuda.Cuda;
import dev.kiln.bind.cuda.CudaStatus;
import dev.kiln.device.Buffer;
import dev.kiln.device.Event;
import dev.kiln.device.Kernel;
import dev.kiln.device.KernelArgs;
import dev.kiln.device.Queue;
import dev.kiln.device.Range;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayDeque;

/**
 * A {@code CUstream}. Writes from pageable host memory return once the driver has staged the data
 * (so the host segment is free); reads synchronize the stream. Each launch is bracketed by two events
 * for its device time; they are destroyed once read or once complete, at most {@value #MAX_PENDING} kept.
 */
final class CudaQueue implements Queue {
    private static final int MAX_PENDING = 64;

    private final CudaDevice device;
    private final MemorySegment stream;
    private final ArrayDeque<CudaEvent> pending = new ArrayDeque<>();
    private boolean released;

    CudaQueue(CudaDevice device) {
        this.device = device;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(ValueLayout.ADDRESS);
            CudaStatus.check(Cuda.cuStreamCreate(out, Cuda.CU_STREAM_NON_BLOCKING), "cuStreamCreate");
            this.stream = out.get(ValueLayout.ADDRESS, 0);
        }
    }

    /** The {@code CUstream}, for libraries that enqueue on it (NCCL). */
    synchronized MemorySegment stream() {
        if (released) throw new IllegalStateException("the queue (CUDA stream) of '" + device.info().name() + "' is closed");
        return stream;
    }

    CudaDevice device() { return device; }

    @Override
    public void write(Buffer dst, long dstOffset, MemorySegment src) {
        long dptr = own(dst, "write destination");
        Queue.checkRange("write", dst, dstOffset, src.byteSize());
        device.makeCurrent();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment host = src.isNative() ? src : arena.allocate(src.byteSize(), 64).copyFrom(src);
            CudaStatus.check(Cuda.cuMemcpyHtoDAsync(dptr + dstOffset, host, src.byteSize(), stream), "cuMemcpyHtoDAsync_v2");
            if (host != src) CudaStatus.check(Cuda.cuStreamSynchronize(stream), "cuStreamSynchronize");
        }
    }

    @Override
    public void read(Buffer src, long srcOffset, MemorySegment dst) {
        long dptr = own(src, "read source");
        Queue.checkRange("read", src, srcOffset, dst.byteSize());
        device.makeCurrent();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment host = dst.isNative() ? dst : arena.allocate(dst.byteSize(), 64);
            CudaStatus.check(Cuda.cuMemcpyDtoHAsync(host, dptr + srcOffset, dst.byteSize(), stream), "cuMemcpyDtoHAsync_v2");
            CudaStatus.check(Cuda.cuStreamSynchronize(stream), "cuStreamSynchronize");
            if (host != dst) dst.copyFrom(host);
        }
    }

    @Override
    public Event launch(Kernel kernel, Range range, Object... args) {
        if (!(kernel instanceof CudaKernel k) || k.device() != device) {
            throw new IllegalArgumentException("kernel " + kernel.program() + "/" + kernel.name() + " was not loaded on cuda device '" + device.info().name() + "'");
        }
        KernelArgs.check(kernel, device, args);
        long threads = 1;
        for (long l : range.local()) threads *= l;
        if (threads > device.info().maxWorkGroupSize()) {
            throw new IllegalArgumentException("block of " + threads + " threads (" + range + ") exceeds the device's "
                    + device.info().maxWorkGroupSize() + " threads per block");
        }
        device.makeCurrent();
        MemorySegment start = CudaEvent.create(device), end = CudaEvent.create(device);
        CudaStatus.check(Cuda.cuEventRecord(start, stream), "cuEventRecord");
        try {
            k.launch(stream, range, args);
        } catch (RuntimeException e) {
            Cuda.cuEventDestroy(start);
            Cuda.cuEventDestroy(end);
            throw e;
        }
        CudaStatus.check(Cuda.cuEventRecord(end, stream), "cuEventRecord");
        CudaEvent event = new CudaEvent(device, start, end);
        synchronized (pending) {
            pending.add(event);
            if (pending.size() > MAX_PENDING) {
                while (!pending.isEmpty() && pending.peekFirst().isComplete()) pending.pollFirst().resolve();
                if (pending.size() > MAX_PENDING) pending.pollFirst().resolve();
            }
        }
        return event;
    }

    @Override
    public void finish() {
        device.makeCurrent();
        CudaStatus.check(Cuda.cuStreamSynchronize(stream), "cuStreamSynchronize");
        synchronized (pending) {
            while (!pending.isEmpty()) pending.pollFirst().resolve();
        }
    }

    @Override
    public void close() {
        if (this == device.queue()) return;
        release();
        device.forget(this);
    }

    synchronized void release() {
        if (released) return;
        try {
            finish();
        } finally {
            released = true;
            CudaStatus.check(Cuda.cuStreamDestroy(stream), "cuStreamDestroy_v2");
        }
    }

    private long own(Buffer b, String role) {
        if (!(b instanceof CudaBuffer cb) || b.device() != device) {
            throw new IllegalArgumentException(role + " is a buffer of " + b.device().backendName() + " device '" + b.device().info().name()
                    + "', not of cuda device '" + device.info().name() + "'");
        }
        return cb.devicePointer();
    }
}
