package dev.kiln.collective.mpi;

import dev.kiln.bind.mpi.Mpi;
import dev.kiln.collective.Communicator;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.function.Consumer;

/**
 * The reliable peer baseline: Open MPI's MPI_COMM_WORLD through {@link Mpi}. Run the processes under
 * {@code mpirun}; over TCP ({@code --mca btl tcp,self}) loss on the wire becomes retransmission time.
 * Native segments go to MPI as they are; heap segments are staged through native memory.
 */
public final class MpiCommunicator implements Communicator {
    private final MemorySegment world;
    private final int rank, size;
    private final boolean ownsInit;

    /** Initializes MPI (thread level SERIALIZED: the caller serializes its calls) unless already initialized. */
    public MpiCommunicator() {
        if (!Mpi.isAvailable()) throw new IllegalStateException(Mpi.unavailabilityCause());
        ownsInit = !Mpi.initialized();
        if (ownsInit) Mpi.initThread(Mpi.MPI_THREAD_SERIALIZED);
        world = Mpi.commWorld();
        rank = Mpi.commRank(world);
        size = Mpi.commSize(world);
    }

    @Override public int rank() { return rank; }
    @Override public int size() { return size; }

    private static int count(long elements, String what) {
        if (elements > Integer.MAX_VALUE) throw new IllegalArgumentException(what + ": " + elements + " elements exceed MPI's int count");
        return (int) elements;
    }

    /** Runs {@code op} on a native view of {@code s} (a staged copy for heap segments, copied back after). */
    private static void onNative(MemorySegment s, Consumer<MemorySegment> op) {
        if (s.isNative()) {
            op.accept(s);
            return;
        }
        try (Arena a = Arena.ofConfined()) {
            MemorySegment n = a.allocate(Math.max(1, s.byteSize()), 64).asSlice(0, s.byteSize()).copyFrom(s);
            op.accept(n);
            s.copyFrom(n);
        }
    }

    @Override
    public void allReduceSum(MemorySegment data) {
        int n = count(data.byteSize() / Float.BYTES, "allReduceSum");
        onNative(data, d -> Mpi.allreduce(Mpi.MPI_IN_PLACE, d, n, Mpi.floatType(), Mpi.opSum(), world));
    }

    /** Element-wise maximum of fp64 values (used by benchmarks to agree on step times). */
    public void allReduceMaxDouble(MemorySegment data) {
        int n = count(data.byteSize() / Double.BYTES, "allReduceMaxDouble");
        onNative(data, d -> Mpi.allreduce(Mpi.MPI_IN_PLACE, d, n, Mpi.doubleType(), Mpi.opMax(), world));
    }

    @Override
    public void reduceScatterSum(MemorySegment send, MemorySegment recv) {
        Communicator.checkChunks("reduceScatterSum", send, recv, size);
        int n = count(recv.byteSize() / Float.BYTES, "reduceScatterSum");
        onNative(send, s -> onNative(recv, r -> Mpi.reduceScatterBlock(s, r, n, Mpi.floatType(), Mpi.opSum(), world)));
    }

    @Override
    public void allGather(MemorySegment send, MemorySegment recv) {
        Communicator.checkChunks("allGather", recv, send, size);
        int n = count(send.byteSize(), "allGather");
        onNative(send, s -> onNative(recv, r -> Mpi.allgather(s, n, Mpi.byteType(), r, n, Mpi.byteType(), world)));
    }

    @Override
    public void allToAll(MemorySegment send, MemorySegment recv) {
        Communicator.checkChunks("allToAll", send, recv.asSlice(0, send.byteSize() / size), size);
        int n = count(send.byteSize() / size, "allToAll");
        onNative(send, s -> onNative(recv, r -> Mpi.alltoall(s, n, Mpi.byteType(), r, n, Mpi.byteType(), world)));
    }

    @Override
    public void broadcast(MemorySegment data, int root) {
        if (root < 0 || root >= size) throw new IllegalArgumentException("root must be in [0, " + size + "), was " + root);
        int n = count(data.byteSize(), "broadcast");
        onNative(data, d -> Mpi.bcast(d, n, Mpi.byteType(), root, world));
    }

    @Override
    public void barrier() { Mpi.barrier(world); }

    @Override
    public void close() {
        if (ownsInit) Mpi.finalizeMpi();
    }
}
