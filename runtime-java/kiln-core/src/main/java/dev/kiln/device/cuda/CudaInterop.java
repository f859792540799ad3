package dev.kiln.device.cuda;

import dev.kiln.device.Buffer;
import dev.kiln.device.Device;
import dev.kiln.device.Queue;

import java.lang.foreign.MemorySegment;

/**
 * What a library that works on CUDA device memory beside Kiln (NCCL) needs from Kiln's cuda backend: the device
 * pointer of a buffer, the {@code CUstream} of a queue, and the device's primary context made current on the
 * calling thread (the CUDA runtime, which such libraries use, runs on that context). Exported only to the
 * collective transports; a workload goes through {@link Device}, {@link Buffer} and {@link Queue}.
 */
public final class CudaInterop {
    private CudaInterop() {}

    /** True for a device of Kiln's cuda backend. */
    public static boolean isCuda(Device device) { return device instanceof CudaDevice; }

    /** The {@code CUdeviceptr} of a cuda buffer; {@code role} names it in the error for any other buffer. */
    public static long devicePointer(Buffer buffer, String role) {
        if (!(buffer instanceof CudaBuffer b)) {
            throw new IllegalArgumentException(role + " is a " + buffer.device().backendName() + " buffer; NCCL needs CUDA device memory (a buffer of a cuda device)");
        }
        return b.devicePointer();
    }

    /** The {@code CUstream} (= {@code cudaStream_t}) of a cuda queue. */
    public static MemorySegment stream(Queue queue) {
        if (!(queue instanceof CudaQueue q)) throw new IllegalArgumentException("queue " + queue + " is not a CUDA stream of Kiln's cuda backend");
        return q.stream();
    }

    /** The device a cuda queue belongs to. */
    public static Device deviceOf(Queue queue) {
        if (!(queue instanceof CudaQueue q)) throw new IllegalArgumentException("queue " + queue + " is not a CUDA stream of Kiln's cuda backend");
        return q.device();
    }

    /** Binds {@code device}'s primary context to the calling thread, as {@code cudaSetDevice} would. */
    public static void makeCurrent(Device device) {
        if (!(device instanceof CudaDevice d)) throw new IllegalArgumentException("device '" + device.info().name() + "' is not a cuda device");
        d.makeCurrent();
    }
}
