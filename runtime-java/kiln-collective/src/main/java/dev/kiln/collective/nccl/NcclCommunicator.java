package dev.kiln.collective.nccl;

import dev.kiln.bind.nccl.Nccl;
import dev.kiln.collective.Communicator;
import dev.kiln.collective.DeviceCommunicator;
import dev.kiln.collective.rendezvous.ControlChannel;
import dev.kiln.device.Buffer;
import dev.kiln.device.Device;
import dev.kiln.device.KilnNativeException;
import dev.kiln.device.Queue;
import dev.kiln.device.cuda.CudaInterop;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Collectives over NCCL on CUDA device buffers, enqueued on one CUDA stream (a Kiln {@link Queue} of a cuda
 * device). Rank 0 creates the {@code ncclUniqueId} and the others receive it over the job's
 * {@link ControlChannel} (the same rendezvous as the TCP and UDP transports); then every rank calls
 * {@code ncclCommInitRank}. The calls are NCCL's own: {@code ncclAllReduce}, {@code ncclReduceScatter},
 * {@code ncclAllGather}, {@code ncclBroadcast}, and all-to-all as one {@code ncclGroupStart}, a
 * {@code ncclSend} and a {@code ncclRecv} per peer, {@code ncclGroupEnd} (as nccl-tests' alltoall does).
 *
 * <p>As a {@link DeviceCommunicator} it works on device buffers and does not wait. As a host
 * {@link Communicator} (for the allreduce benchmark and training, whose data is in host memory) it copies the
 * host segment into a device buffer of its own on the same stream, runs the collective there and copies the
 * result back; the read waits for the stream. A failed call throws one line naming the NCCL function, the
 * {@code ncclResult_t}, this rank and the operation, and NCCL's own string.
 *
 * <pre>{@code
 * try (Device gpu = Devices.open("cuda"); ControlChannel control = ControlChannel.connect(env, Duration.ofSeconds(60));
 *      NcclCommunicator nccl = NcclCommunicator.open(gpu.queue(), control)) {
 *     nccl.allReduceSum(gradients);          // a host segment, staged through device memory
 * }
 * }</pre>
 */
public final class NcclCommunicator implements Communicator, DeviceCommunicator {
    private final Device device;
    private final Queue queue;
    private final MemorySegment stream;
    private final int rank, size;
    private final List<AutoCloseable> owned;
    private MemorySegment comm;
    private Buffer staging, stagingOut, barrierWord;

    private NcclCommunicator(Queue queue, ControlChannel control, List<AutoCloseable> owned) {
        this.device = CudaInterop.deviceOf(queue);
        this.queue = queue;
        this.stream = CudaInterop.stream(queue);
        this.rank = control.rank();
        this.size = control.size();
        this.owned = owned;
        if (!Nccl.isAvailable()) throw new IllegalStateException("nccl: " + Nccl.unavailabilityCause());
        CudaInterop.makeCurrent(device);
        byte[] id = rank == 0 ? Nccl.uniqueId() : new byte[0];
        byte[] shared = control.allGather(id)[0]; // rank 0's id reaches every rank over the control channel
        this.comm = Nccl.commInitRank(size, shared, rank, where("ncclCommInitRank"));
    }

    /**
     * Joins the NCCL job of {@code control}'s ranks; collectives run on {@code queue}'s CUDA stream. Neither the
     * queue nor the channel is closed by {@link #close()}.
     */
    public static NcclCommunicator open(Queue queue, ControlChannel control) {
        return new NcclCommunicator(queue, control, List.of());
    }

    /** As {@link #open(Queue, ControlChannel)}, and {@link #close()} also closes {@code owned} (last first). */
    public static NcclCommunicator owning(Queue queue, ControlChannel control, AutoCloseable... owned) {
        return new NcclCommunicator(queue, control, List.of(owned));
    }

    @Override public int rank() { return rank; }
    @Override public int size() { return size; }
    @Override public Device device() { return device; }
    @Override public Queue queue() { return queue; }

    // ---- device buffers ----

    @Override
    public void allReduceSum(Buffer send, Buffer recv) {
        sameSize("allReduceSum", send, recv);
        floats("allReduceSum", send);
        allReduce(ptr(send, "allReduceSum send"), ptr(recv, "allReduceSum recv"), send.byteSize() / Float.BYTES);
    }

    @Override
    public void reduceScatterSum(Buffer send, Buffer recv) {
        chunks("reduceScatterSum", send, recv);
        floats("reduceScatterSum", recv);
        reduceScatter(ptr(send, "reduceScatterSum send"), ptr(recv, "reduceScatterSum recv"), recv.byteSize() / Float.BYTES);
    }

    @Override
    public void allGather(Buffer send, Buffer recv) {
        chunks("allGather", recv, send);
        allGather(ptr(send, "allGather send"), ptr(recv, "allGather recv"), send.byteSize());
    }

    @Override
    public void allToAll(Buffer send, Buffer recv) {
        sameSize("allToAll", send, recv);
        if (send.byteSize() % size != 0) {
            throw new IllegalArgumentException("allToAll: buffer of " + send.byteSize() + " bytes is not " + size + " equal chunks");
        }
        allToAll(ptr(send, "allToAll send"), ptr(recv, "allToAll recv"), send.byteSize() / size);
    }

    @Override
    public void broadcast(Buffer data, int root) {
        root(root);
        long p = ptr(data, "broadcast data");
        broadcast(p, p, data.byteSize(), root);
    }

    @Override
    public void barrier() {
        // NCCL has no barrier: a one-float allreduce completes on every rank only once all ranks have joined it.
        if (barrierWord == null) barrierWord = device.allocate(Float.BYTES);
        long p = ptr(barrierWord, "barrier");
        allReduce(p, p, 1);
        synchronize("barrier");
    }

    // ---- host segments, staged through device memory on the same stream ----

    @Override
    public void allReduceSum(MemorySegment data) {
        floats("allReduceSum", data.byteSize());
        Buffer b = staging(data.byteSize());
        queue.write(b, 0, data);
        long p = ptr(b, "staging");
        allReduce(p, p, data.byteSize() / Float.BYTES);
        readBack("allReduceSum", b, data);
    }

    @Override
    public void reduceScatterSum(MemorySegment send, MemorySegment recv) {
        Communicator.checkChunks("reduceScatterSum", send, recv, size);
        floats("reduceScatterSum", recv.byteSize());
        Buffer in = staging(send.byteSize()), out = stagingOut(recv.byteSize());
        queue.write(in, 0, send);
        reduceScatter(ptr(in, "staging"), ptr(out, "staging"), recv.byteSize() / Float.BYTES);
        readBack("reduceScatterSum", out, recv);
    }

    @Override
    public void allGather(MemorySegment send, MemorySegment recv) {
        Communicator.checkChunks("allGather", recv, send, size);
        Buffer in = staging(send.byteSize()), out = stagingOut(recv.byteSize());
        queue.write(in, 0, send);
        allGather(ptr(in, "staging"), ptr(out, "staging"), send.byteSize());
        readBack("allGather", out, recv);
    }

    @Override
    public void allToAll(MemorySegment send, MemorySegment recv) {
        if (send.byteSize() != recv.byteSize() || send.byteSize() % size != 0) {
            throw new IllegalArgumentException("allToAll: send of " + send.byteSize() + " bytes and recv of " + recv.byteSize()
                    + " bytes must be equal and " + size + " equal chunks");
        }
        Buffer in = staging(send.byteSize()), out = stagingOut(recv.byteSize());
        queue.write(in, 0, send);
        allToAll(ptr(in, "staging"), ptr(out, "staging"), send.byteSize() / size);
        readBack("allToAll", out, recv);
    }

    @Override
    public void broadcast(MemorySegment data, int root) {
        root(root);
        Buffer b = staging(data.byteSize());
        if (rank == root) queue.write(b, 0, data);
        long p = ptr(b, "staging");
        broadcast(p, p, data.byteSize(), root);
        readBack("broadcast", b, data);
    }

    // ---- the NCCL calls, each on the communicator's stream with the device's context current ----

    private void allReduce(long send, long recv, long count) {
        CudaInterop.makeCurrent(device);
        Nccl.check("ncclAllReduce", Nccl.allReduce(at(send), at(recv), count, Nccl.ncclFloat32, Nccl.ncclSum, comm(), stream),
                where("allReduceSum of " + count + " floats"));
    }

    private void reduceScatter(long send, long recv, long recvCount) {
        CudaInterop.makeCurrent(device);
        Nccl.check("ncclReduceScatter", Nccl.reduceScatter(at(send), at(recv), recvCount, Nccl.ncclFloat32, Nccl.ncclSum, comm(), stream),
                where("reduceScatterSum of " + recvCount + " floats per rank"));
    }

    private void allGather(long send, long recv, long bytes) {
        CudaInterop.makeCurrent(device);
        Nccl.check("ncclAllGather", Nccl.allGather(at(send), at(recv), bytes, Nccl.ncclUint8, comm(), stream),
                where("allGather of " + bytes + " bytes per rank"));
    }

    private void broadcast(long send, long recv, long bytes, int root) {
        CudaInterop.makeCurrent(device);
        Nccl.check("ncclBroadcast", Nccl.broadcast(at(send), at(recv), bytes, Nccl.ncclUint8, root, comm(), stream),
                where("broadcast of " + bytes + " bytes from rank " + root));
    }

    /** One group of a send and a receive per peer, self included; NCCL runs the group's transfers concurrently. */
    private void allToAll(long send, long recv, long chunk) {
        CudaInterop.makeCurrent(device);
        String what = where("allToAll of " + chunk + " bytes per peer");
        MemorySegment c = comm();
        Nccl.check("ncclGroupStart", Nccl.groupStart(), what);
        RuntimeException failure = null;
        try {
            for (int peer = 0; peer < size; peer++) {
                Nccl.check("ncclSend", Nccl.send(at(send + peer * chunk), chunk, Nccl.ncclUint8, peer, c, stream), what + ", to rank " + peer);
                Nccl.check("ncclRecv", Nccl.recv(at(recv + peer * chunk), chunk, Nccl.ncclUint8, peer, c, stream), what + ", from rank " + peer);
            }
        } catch (RuntimeException e) {
            failure = e;
        }
        // the group is always closed, or this thread's next NCCL call would join a group that never ends
        int end = Nccl.groupEnd();
        if (failure != null) throw failure;
        Nccl.check("ncclGroupEnd", end, what);
    }

    /** Waits for the stream; a failure there is reported with NCCL's asynchronous error when it has one. */
    private void synchronize(String op) {
        try {
            queue.finish();
        } catch (KilnNativeException e) {
            throw asyncFailure(op, e);
        }
    }

    private void readBack(String op, Buffer b, MemorySegment host) {
        try {
            queue.read(b, 0, host); // waits for the stream, so the collective before it is complete
        } catch (KilnNativeException e) {
            throw asyncFailure(op, e);
        }
    }

    private RuntimeException asyncFailure(String op, KilnNativeException streamError) {
        int async;
        try {
            async = Nccl.asyncError(comm());
        } catch (RuntimeException e) {
            streamError.addSuppressed(e);
            return streamError;
        }
        if (async == 0) return streamError;
        try {
            Nccl.check("ncclCommGetAsyncError", async, where(op + " (failed on the stream)"));
            return streamError;
        } catch (KilnNativeException nccl) {
            nccl.addSuppressed(streamError);
            return nccl;
        }
    }

    // ---- helpers ----

    private String where(String op) {
        return String.format(Locale.ROOT, "rank %d of %d, %s", rank, size, op);
    }

    private MemorySegment comm() {
        if (comm == null) throw new IllegalStateException("nccl communicator of rank " + rank + " is closed");
        return comm;
    }

    private static MemorySegment at(long devicePointer) { return MemorySegment.ofAddress(devicePointer); }

    private long ptr(Buffer b, String role) {
        if (b.device() != device) {
            throw new IllegalArgumentException(role + " is a buffer of device '" + b.device().info().name() + "', not of this communicator's device '"
                    + device.info().name() + "'");
        }
        return CudaInterop.devicePointer(b, role);
    }

    private Buffer staging(long bytes) {
        staging = grown(staging, bytes);
        return staging;
    }

    private Buffer stagingOut(long bytes) {
        stagingOut = grown(stagingOut, bytes);
        return stagingOut;
    }

    /** Device staging kept between calls and doubled when too small: cuMemAlloc per call would dominate small collectives. */
    private Buffer grown(Buffer b, long bytes) {
        if (b != null && b.byteSize() >= bytes) return b;
        long want = Math.max(Math.max(bytes, 64), b == null ? 0 : 2 * b.byteSize());
        if (b != null) {
            queue.finish(); // a collective still queued may read the old buffer
            b.close();
        }
        return device.allocate(want);
    }

    private void root(int root) {
        if (root < 0 || root >= size) throw new IllegalArgumentException("broadcast root must be in [0, " + size + "), was " + root);
    }

    private static void sameSize(String op, Buffer a, Buffer b) {
        if (a.byteSize() != b.byteSize()) {
            throw new IllegalArgumentException(op + ": send of " + a.byteSize() + " bytes and recv of " + b.byteSize() + " bytes must be equal");
        }
    }

    private void chunks(String op, Buffer whole, Buffer part) {
        if (part.byteSize() * size != whole.byteSize()) {
            throw new IllegalArgumentException(op + ": buffer of " + whole.byteSize() + " bytes is not " + size + " chunks of " + part.byteSize() + " bytes");
        }
    }

    private static void floats(String op, Buffer b) { floats(op, b.byteSize()); }

    private static void floats(String op, long bytes) {
        if (bytes % Float.BYTES != 0) throw new IllegalArgumentException(op + ": " + bytes + " bytes is not a whole number of fp32 values");
    }

    /** Destroys the NCCL communicator (after the stream drains), frees the staging buffers, then closes what it owns. */
    @Override
    public void close() {
        if (comm == null) return;
        List<Throwable> errors = new ArrayList<>();
        run(errors, queue::finish);
        run(errors, () -> {
            CudaInterop.makeCurrent(device);
            Nccl.check("ncclCommDestroy", Nccl.commDestroyStatus(comm), where("close"));
        });
        comm = null;
        for (Buffer b : new Buffer[]{staging, stagingOut, barrierWord}) if (b != null) run(errors, b::close);
        for (int i = owned.size() - 1; i >= 0; i--) run(errors, owned.get(i)::close);
        if (!errors.isEmpty()) {
            RuntimeException e = errors.getFirst() instanceof RuntimeException r ? r : new IllegalStateException(errors.getFirst());
            errors.stream().skip(1).forEach(e::addSuppressed);
            throw e;
        }
    }

    private static void run(List<Throwable> errors, AutoCloseable action) {
        try {
            action.close();
        } catch (Throwable t) {
            errors.add(t);
        }
    }
}
