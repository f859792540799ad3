package dev.kiln.collective.inproc;

import dev.kiln.collective.Communicator;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.IntStream;

/**
 * Ranks as threads of one process, sharing memory: each collective publishes every rank's segments,
 * meets at a barrier, lets each rank read what it needs from the others, and meets again. Exact and
 * deterministic (sums are taken in rank order), so it is the reference the network transports are
 * compared with, and the fabric of the emulated Helix ranks.
 */
public final class InProcessGroup implements AutoCloseable {
    private final int size;
    /** How long a rank waits for the others at any one collective before the group fails, unless told otherwise. */
    public static final Duration DEFAULT_DEADLINE = Duration.ofMinutes(5);
    private final RankBarrier barrier;
    private final MemorySegment[] sends;
    private final MemorySegment[] recvs;
    /** One single-thread executor per rank keeps each rank's async collectives in issue order. */
    private final ExecutorService[] asyncPools;

    public InProcessGroup(int size) {
        this(size, DEFAULT_DEADLINE);
    }

    /**
     * @param deadline the longest any rank waits for the others at one collective; past it the collective fails
     *                 on every rank, naming the ranks that never arrived
     */
    public InProcessGroup(int size, Duration deadline) {
        if (size < 1) throw new IllegalArgumentException("group size must be >= 1, was " + size);
        this.size = size;
        this.barrier = new RankBarrier(size, deadline);
        this.sends = new MemorySegment[size];
        this.recvs = new MemorySegment[size];
        this.asyncPools = IntStream.range(0, size).mapToObj(r -> Executors.newSingleThreadExecutor(task -> {
            Thread t = new Thread(task, "kiln-inproc-async-" + r);
            t.setDaemon(true);
            return t;
        })).toArray(ExecutorService[]::new);
    }

    public int size() { return size; }

    /** The communicator of rank {@code rank}; each must be used from its own thread. */
    public Communicator rank(int rank) {
        if (rank < 0 || rank >= size) throw new IllegalArgumentException("rank must be in [0, " + size + "), was " + rank);
        return new Rank(rank);
    }

    public Communicator[] ranks() {
        return IntStream.range(0, size).mapToObj(this::rank).toArray(Communicator[]::new);
    }

    @Override
    public void close() {
        for (ExecutorService pool : asyncPools) pool.shutdownNow();
    }

    /**
     * Fails the group because {@code rank} failed: every rank waiting in a collective, and every rank that enters
     * one later, throws at once naming {@code rank} and {@code cause}. Whoever runs the ranks calls this when one
     * throws, so that the others do not wait for it until the deadline.
     */
    public void abort(int rank, Throwable cause) {
        barrier.breakFor(rank, cause);
    }

    private final class Rank implements Communicator {
        private final int rank;

        Rank(int rank) { this.rank = rank; }

        @Override public int rank() { return rank; }
        @Override public int size() { return size; }

        @Override
        public void allReduceSum(MemorySegment data) {
            long n = data.byteSize() / Float.BYTES;
            float[] sum = new float[(int) n];
            sends[rank] = data;
            barrier.await(rank);
            for (int r = 0; r < size; r++) {
                MemorySegment s = sends[r];
                for (int i = 0; i < n; i++) sum[i] += s.getAtIndex(ValueLayout.JAVA_FLOAT, i);
            }
            barrier.await(rank);
            MemorySegment.copy(sum, 0, data, ValueLayout.JAVA_FLOAT, 0, (int) n);
            barrier.await(rank);
        }

        @Override
        public void reduceScatterSum(MemorySegment send, MemorySegment recv) {
            Communicator.checkChunks("reduceScatterSum", send, recv, size);
            long n = recv.byteSize() / Float.BYTES;
            sends[rank] = send;
            barrier.await(rank);
            float[] sum = new float[(int) n];
            for (int r = 0; r < size; r++) {
                MemorySegment s = sends[r];
                for (int i = 0; i < n; i++) sum[i] += s.getAtIndex(ValueLayout.JAVA_FLOAT, rank * n + i);
            }
            MemorySegment.copy(sum, 0, recv, ValueLayout.JAVA_FLOAT, 0, (int) n);
            barrier.await(rank);
        }

        @Override
        public void allGather(MemorySegment send, MemorySegment recv) {
            Communicator.checkChunks("allGather", recv, send, size);
            sends[rank] = send;
            barrier.await(rank);
            for (int r = 0; r < size; r++) MemorySegment.copy(sends[r], 0, recv, r * send.byteSize(), send.byteSize());
            barrier.await(rank);
        }

        @Override
        public void allToAll(MemorySegment send, MemorySegment recv) {
            Communicator.checkChunks("allToAll", send, recv.asSlice(0, send.byteSize() / size), size);
            long chunk = send.byteSize() / size;
            sends[rank] = send;
            barrier.await(rank);
            for (int r = 0; r < size; r++) MemorySegment.copy(sends[r], rank * chunk, recv, r * chunk, chunk);
            barrier.await(rank);
        }

        /**
         * Runs on this rank's async thread, in issue order. A rank must not start a synchronous collective
         * while one of its async ones is outstanding: both would meet at the same barrier.
         */
        @Override
        public CompletableFuture<Void> allToAllAsync(MemorySegment send, MemorySegment recv) {
            return CompletableFuture.runAsync(() -> allToAll(send, recv), asyncPools[rank]);
        }

        @Override
        public void broadcast(MemorySegment data, int root) {
            if (root < 0 || root >= size) throw new IllegalArgumentException("root must be in [0, " + size + "), was " + root);
            sends[rank] = data;
            barrier.await(rank);
            if (rank != root) MemorySegment.copy(sends[root], 0, data, 0, data.byteSize());
            barrier.await(rank);
        }

        @Override
        public void barrier() { barrier.await(rank); }
    }
}
