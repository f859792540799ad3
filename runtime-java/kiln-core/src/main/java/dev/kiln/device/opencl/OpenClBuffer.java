package dev.kiln.device.opencl;

import dev.kiln.bind.opencl.OpenCl;
import dev.kiln.bind.opencl.OpenClStatus;
import dev.kiln.device.Buffer;
import dev.kiln.device.Device;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** A {@code cl_mem} of the device's context; {@link #handle()} is the {@code cl_mem} itself. */
final class OpenClBuffer implements Buffer {
    private final OpenClDevice device;
    private final long bytes;
    private MemorySegment mem;

    OpenClBuffer(OpenClDevice device, long bytes) {
        if (bytes <= 0) throw new IllegalArgumentException("buffer size must be > 0 bytes, was " + bytes);
        long maxAlloc = Long.parseLong(device.info().properties().get("maxAllocBytes"));
        if (bytes > maxAlloc) {
            throw new IllegalArgumentException("buffer size " + bytes + " bytes exceeds CL_DEVICE_MAX_MEM_ALLOC_SIZE " + maxAlloc + " of " + device.info().name());
        }
        this.device = device;
        this.bytes = bytes;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment err = arena.allocate(ValueLayout.JAVA_INT);
            this.mem = OpenCl.clCreateBuffer(device.context(), OpenCl.CL_MEM_READ_WRITE, bytes, MemorySegment.NULL, err);
            OpenClStatus.check(err.get(ValueLayout.JAVA_INT, 0), "clCreateBuffer", bytes + " bytes on " + device.info().name());
        }
    }

    @Override public long byteSize() { return bytes; }

    @Override public Device device() { return device; }

    @Override
    public synchronized MemorySegment handle() {
        if (mem == null) throw new IllegalStateException("buffer of " + bytes + " bytes on " + device.info().name() + " is closed");
        return mem;
    }

    @Override public boolean isHostAccessible() { return false; }

    @Override
    public synchronized void close() {
        if (mem == null) return;
        MemorySegment m = mem;
        mem = null;
        device.accounting().freed(this);
        OpenClStatus.check(OpenCl.clReleaseMemObject(m), "clReleaseMemObject");
    }
}
