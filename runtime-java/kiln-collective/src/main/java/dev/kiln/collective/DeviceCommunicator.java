package dev.kiln.collective;

import dev.kiln.device.Buffer;
import dev.kiln.device.Device;
import dev.kiln.device.Queue;

/**
 * One rank's view of a process group whose data lives in device memory (CUDA device buffers for NCCL). The
 * operations mirror {@link Communicator}'s, on {@link Buffer}s of {@link #device()}, their sizes taken from the
 * buffers. Each call is enqueued on {@link #queue()} after the work already there and returns without waiting,
 * as NCCL's calls do on a stream: inputs written or computed on that queue are ready for it, and results are
 * ready for whatever is enqueued after it. The host waits with {@code queue().finish()} or a
 * {@code queue().read(...)}, which waits for the queue. Every call is collective: all ranks make it, in the same
 * order. {@code send} and {@code recv} may be the same buffer for {@link #allReduceSum}.
 *
 * <pre>{@code
 * try (Device gpu = Devices.open("cuda"); ControlChannel control = ControlChannel.connect(LaunchEnvironment.detect(), timeout);
 *      NcclCommunicator nccl = NcclCommunicator.open(gpu.queue(), control);
 *      Buffer grads = gpu.upload(hostGradients)) {
 *     nccl.allReduceSum(grads, grads);        // enqueued behind the kernels that produced grads
 *     gpu.queue().read(grads, 0, hostGradients);
 * }
 * }</pre>
 */
public interface DeviceCommunicator extends AutoCloseable {
    int rank();

    int size();

    /** The device whose buffers this communicator reduces. */
    Device device();

    /** The queue (CUDA stream) every operation is enqueued on. */
    Queue queue();

    /** {@code recv} = the element-wise fp32 sum over ranks of {@code send}; equal sizes, a multiple of 4 bytes. */
    void allReduceSum(Buffer send, Buffer recv);

    /** {@code send} holds {@code size()} equal fp32 chunks; {@code recv} gets the sum over ranks of chunk {@code rank()}. */
    void reduceScatterSum(Buffer send, Buffer recv);

    /** Every rank's {@code send} concatenated in rank order into {@code recv} ({@code size()} times as large). */
    void allGather(Buffer send, Buffer recv);

    /** {@code send} holds {@code size()} equal chunks; chunk j goes to rank j, and rank i's chunk lands at slot i of {@code recv}. */
    void allToAll(Buffer send, Buffer recv);

    /** Root's {@code data} copied into every rank's {@code data}. */
    void broadcast(Buffer data, int root);

    /** Blocks until every rank has reached it and this rank's queued collectives are complete. */
    void barrier();

    @Override
    void close();
}
