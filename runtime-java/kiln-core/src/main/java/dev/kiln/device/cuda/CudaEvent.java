package dev.kiln.device.cuda;

import dev.kiln.bind.cuda.Cuda;
import dev.kiln.bind.cuda.CudaStatus;
import dev.kiln.device.Event;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * A launch bracketed by two {@code CUevent}s recorded on its stream. The first {@link #await()} or
 * {@link #elapsedNanos()} (or the stream's {@code finish}) synchronizes, reads
 * {@code cuEventElapsedTime} and destroys both events.
 */
final class CudaEvent implements Event {
    private final CudaDevice device;
    private MemorySegment start, end;
    private long nanos;

    CudaEvent(CudaDevice device, MemorySegment start, MemorySegment end) {
        this.device = device;
        this.start = start;
        this.end = end;
    }

    static MemorySegment create(CudaDevice device) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(ValueLayout.ADDRESS);
            CudaStatus.check(Cuda.cuEventCreate(out, Cuda.CU_EVENT_DEFAULT), "cuEventCreate");
            return out.get(ValueLayout.ADDRESS, 0);
        }
    }

    synchronized boolean isComplete() {
        if (end == null) return true;
        device.makeCurrent();
        int rc = Cuda.cuEventQuery(end);
        if (rc == Cuda.CUDA_ERROR_NOT_READY) return false;
        CudaStatus.check(rc, "cuEventQuery");
        return true;
    }

    synchronized void resolve() {
        if (end == null) return;
        MemorySegment s = start, e = end;
        start = end = null;
        device.makeCurrent();
        try (Arena arena = Arena.ofConfined()) {
            CudaStatus.check(Cuda.cuEventSynchronize(e), "cuEventSynchronize");
            MemorySegment ms = arena.allocate(ValueLayout.JAVA_FLOAT);
            CudaStatus.check(Cuda.cuEventElapsedTime(ms, s, e), "cuEventElapsedTime_v2");
            nanos = Math.round(ms.get(ValueLayout.JAVA_FLOAT, 0) * 1e6);
        } finally {
            Cuda.cuEventDestroy(s);
            Cuda.cuEventDestroy(e);
        }
    }

    @Override public void await() { resolve(); }

    @Override
    public synchronized long elapsedNanos() {
        resolve();
        return nanos;
    }
}
