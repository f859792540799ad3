package dev.kiln.device;

import java.lang.foreign.MemorySegment;

/**
 * Device memory. {@link #handle()} is what the backend passes to kernels: the memory itself on cpu,
 * a zero-length segment at the device pointer on CUDA, the {@code cl_mem} on OpenCL.
 */
public interface Buffer extends AutoCloseable {
    long byteSize();

    Device device();

    MemorySegment handle();

    /** True when {@link #handle()} is ordinary host memory that Java may read and write directly. */
    boolean isHostAccessible();

    /** The host memory of a host-accessible buffer; throws on device-only memory. */
    default MemorySegment hostSegment() {
        if (!isHostAccessible()) {
            throw new UnsupportedOperationException(device().backendName() + " buffers live in device memory; copy them with a Queue");
        }
        return handle();
    }

    @Override
    void close();
}
