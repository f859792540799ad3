package dev.kiln.collective;

import java.lang.foreign.MemorySegment;
import java.util.concurrent.CompletableFuture;

/**
 * One rank's view of a process group. Float collectives work on fp32 data; {@link #allToAll} and
 * {@link #broadcast} move raw bytes. Every call is collective: all ranks make it, in the same order.
 * Transports (inproc, udp, tcp, mpi, nccl) implement it; lossy transports document how they deviate.
 */
public interface Communicator extends AutoCloseable {
    int rank();

    int size();

    /** In place: every rank ends with the element-wise sum over ranks of {@code data} (fp32). */
    void allReduceSum(MemorySegment data);

    /**
     * {@code send} holds {@code size()} equal fp32 chunks; rank r receives in {@code recv} the sum over ranks
     * of chunk r. {@code recv.byteSize() * size() == send.byteSize()}.
     */
    void reduceScatterSum(MemorySegment send, MemorySegment recv);

    /** Every rank's {@code send} concatenated in rank order into {@code recv} ({@code size()} times as large). */
    void allGather(MemorySegment send, MemorySegment recv);

    /** {@code send} holds {@code size()} equal chunks; chunk j goes to rank j, and rank i's chunk lands at slot i of {@code recv}. */
    void allToAll(MemorySegment send, MemorySegment recv);

    /** {@code allToAll} started now and finished later, so that the caller can compute meanwhile (HOP-B). */
    default CompletableFuture<Void> allToAllAsync(MemorySegment send, MemorySegment recv) {
        allToAll(send, recv);
        return CompletableFuture.completedFuture(null);
    }

    /** Root's {@code data} copied to every rank. */
    void broadcast(MemorySegment data, int root);

    void barrier();

    @Override
    default void close() {}

    static void checkChunks(String op, MemorySegment whole, MemorySegment part, int size) {
        if (part.byteSize() * size != whole.byteSize()) {
            throw new IllegalArgumentException(op + ": buffer of " + whole.byteSize() + " bytes is not " + size
                    + " chunks of " + part.byteSize() + " bytes");
        }
    }
}
