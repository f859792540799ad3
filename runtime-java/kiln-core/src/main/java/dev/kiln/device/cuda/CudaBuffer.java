package dev.kiln.device.cuda;

import dev.kiln.bind.cuda.Cuda;
import dev.kiln.bind.cuda.CudaStatus;
import dev.kiln.device.Buffer;
import dev.kiln.device.Device;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** {@code cuMemAlloc_v2} memory; {@link #handle()} is a zero-length segment at the device pointer. */
final class CudaBuffer implements Buffer {
    private final CudaDevice device;
    private final long bytes;
    private long dptr;

    CudaBuffer(CudaDevice device, long bytes) {
        if (bytes <= 0) throw new IllegalArgumentException("buffer size must be > 0 bytes, was " + bytes);
        this.device = device;
        this.bytes = bytes;
        device.makeCurrent();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(ValueLayout.JAVA_LONG);
            CudaStatus.check(Cuda.cuMemAlloc(out, bytes), "cuMemAlloc_v2", bytes + " bytes on " + device.info().name());
            this.dptr = out.get(ValueLayout.JAVA_LONG, 0);
        }
    }

    /** The {@code CUdeviceptr}. */
    synchronized long devicePointer() {
        if (dptr == 0) throw new IllegalStateException("buffer of " + bytes + " bytes on " + device.info().name() + " is closed");
        return dptr;
    }

    @Override public long byteSize() { return bytes; }

    @Override public Device device() { return device; }

    @Override public MemorySegment handle() { return MemorySegment.ofAddress(devicePointer()); }

    @Override public boolean isHostAccessible() { return false; }

    @Override
    public synchronized void close() {
        if (dptr == 0) return;
        long p = dptr;
        dptr = 0;
        device.accounting().freed(this);
        device.makeCurrent();
        CudaStatus.check(Cuda.cuMemFree(p), "cuMemFree_v2");
    }
}
