package dev.kiln.device;

import java.lang.foreign.MemorySegment;

/**
 * One opened device. Owns its buffers (accounted by a {@link MemoryAccounting}), its compiled programs
 * and its queues; closing it with live buffers is a reported leak.
 */
public interface Device extends AutoCloseable {
    DeviceInfo info();

    default String backendName() { return info().backend(); }

    /** Device memory of {@code bytes} bytes, uninitialised. */
    Buffer allocate(long bytes);

    /** Allocates a buffer of the host segment's size and copies the segment into it. */
    default Buffer upload(MemorySegment host) {
        Buffer buffer = allocate(host.byteSize());
        queue().write(buffer, 0, host);
        queue().finish();
        return buffer;
    }

    /**
     * Function {@code function} of program {@code program}: {@code kernels/opencl/<program>.cl} on OpenCL,
     * {@code kernels/cuda/<program>.ptx} on CUDA, a registered {@link dev.kiln.device.cpu.CpuKernelLibrary} on cpu.
     * Programs are built once per device and cached.
     */
    Kernel kernel(String program, String function);

    /** The default in-order queue. */
    Queue queue();

    /** A further in-order queue (CUDA stream, OpenCL command queue) for overlapping work. */
    Queue newQueue();

    @Override
    void close();
}
