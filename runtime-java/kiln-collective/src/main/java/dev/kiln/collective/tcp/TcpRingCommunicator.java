package dev.kiln.collective.tcp;

import dev.kiln.collective.Communicator;
import dev.kiln.collective.rendezvous.ControlChannel;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The reliable baseline: ring allreduce over TCP (reduce-scatter then all-gather, n-1 steps each, every
 * step sending one chunk to the right neighbour while receiving one from the left). Loss on the wire
 * becomes TCP retransmission and therefore time, which is what the lossy transport is compared against.
 * Data sockets listen on {@code basePort + rank} (0: any port) so that a firewall rule can target them.
 * Sums are in ring order, so results match the exact reference to fp32 rounding, not bit for bit.
 */
public final class TcpRingCommunicator implements Communicator {
    private final boolean ownsControl;
    private final ControlChannel control;
    private final int rank, size;
    private final SocketChannel right, left;
    private final ExecutorService sender = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "kiln-tcp-ring-send");
        t.setDaemon(true);
        return t;
    });
    private final Arena arena = Arena.ofShared();
    private MemorySegment scratch = MemorySegment.NULL;
    private MemorySegment work = MemorySegment.NULL;

    public TcpRingCommunicator(ControlChannel control, String bindHost, int basePort) {
        this(control, bindHost, basePort, false);
    }

    /** A ring that closes {@code control} when it closes (for {@link dev.kiln.collective.Communicators}). */
    public static TcpRingCommunicator owningControl(ControlChannel control, String bindHost, int basePort) {
        return new TcpRingCommunicator(control, bindHost, basePort, true);
    }

    private TcpRingCommunicator(ControlChannel control, String bindHost, int basePort, boolean ownsControl) {
        this.ownsControl = ownsControl;
        this.control = control;
        this.rank = control.rank();
        this.size = control.size();
        try (ServerSocketChannel server = ServerSocketChannel.open()) {
            server.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            server.bind(new InetSocketAddress(bindHost, basePort == 0 ? 0 : basePort + rank));
            InetSocketAddress me = (InetSocketAddress) server.getLocalAddress();
            byte[][] all = control.allGather((me.getHostString() + ":" + me.getPort()).getBytes(StandardCharsets.UTF_8));
            if (size == 1) {
                right = left = null;
                return;
            }
            String r = new String(all[(rank + 1) % size], StandardCharsets.UTF_8);
            int colon = r.lastIndexOf(':');
            // Even ranks connect first, odd ranks accept first, so that a ring of two never deadlocks.
            SocketChannel rt = null, lt = null;
            try {
                for (int phase = 0; phase < 2; phase++) {
                    if ((phase == 0) == (rank % 2 == 0)) {
                        rt = SocketChannel.open(new InetSocketAddress(r.substring(0, colon), Integer.parseInt(r.substring(colon + 1))));
                    } else {
                        lt = server.accept();
                    }
                }
                right = tune(rt);
                left = tune(lt);
            } catch (IOException | RuntimeException e) {
                closeAll(e, rt, lt); // the link that did open must not outlive the failed constructor
                throw e;
            }
        } catch (IOException e) {
            closeAll(e, sender::shutdownNow, arena);
            throw new UncheckedIOException("tcp ring: rank " + rank + " cannot connect: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            closeAll(e, sender::shutdownNow, arena);
            throw e;
        }
    }

    /** Closes every resource, even when one throws; failures are added to {@code primary} as suppressed. */
    private static void closeAll(Throwable primary, AutoCloseable... resources) {
        for (AutoCloseable c : resources) {
            if (c == null) continue;
            try {
                c.close();
            } catch (Exception e) {
                primary.addSuppressed(e);
            }
        }
    }

    private static SocketChannel tune(SocketChannel c) throws IOException {
        c.setOption(StandardSocketOptions.TCP_NODELAY, true);
        c.setOption(StandardSocketOptions.SO_SNDBUF, 4 << 20);
        c.setOption(StandardSocketOptions.SO_RCVBUF, 4 << 20);
        return c;
    }

    @Override public int rank() { return rank; }
    @Override public int size() { return size; }

    private long chunkStart(long n, int c) { return n * c / size; }

    /** Sends {@code out} to the right while receiving {@code in} from the left. */
    private void shift(MemorySegment out, MemorySegment in) {
        Future<?> f = sender.submit(() -> {
            writeFully(right, out.asByteBuffer());
            return null;
        });
        try {
            readFully(left, in.asByteBuffer());
            f.get();
        } catch (IOException e) {
            throw new UncheckedIOException("tcp ring: rank " + rank + " lost its left neighbour " + ((rank + size - 1) % size), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (ExecutionException e) {
            throw new UncheckedIOException("tcp ring: rank " + rank + " lost its right neighbour " + ((rank + 1) % size),
                    new IOException(e.getCause()));
        }
    }

    private static void writeFully(SocketChannel c, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) c.write(b);
    }

    private static void readFully(SocketChannel c, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) if (c.read(b) < 0) throw new IOException("connection closed");
    }

    private MemorySegment scratch(long bytes) {
        if (scratch.byteSize() < bytes) scratch = arena.allocate(Math.max(bytes, 2 * scratch.byteSize()), 64);
        return scratch.asSlice(0, bytes);
    }

    /**
     * The collective's working copy, from the ring's own arena and kept between calls: a shared arena per call
     * costs a handshake with every JVM thread (68–80 µs, README), on every step of a reliable run. Doubling keeps
     * the arena's growth to a few steps however sizes vary.
     */
    private MemorySegment work(long bytes) {
        if (work.byteSize() < bytes) work = arena.allocate(Math.max(bytes, 2 * work.byteSize()), 64);
        return work.asSlice(0, bytes);
    }

    @Override
    public void allReduceSum(MemorySegment data) {
        if (size == 1) return;
        if (!data.isNative()) {
            MemorySegment staged = work(data.byteSize()).copyFrom(data);
            allReduceSum(staged);
            data.copyFrom(staged);
            return;
        }
        MemorySegment work = data;
        long n = data.byteSize() / Float.BYTES;
        long maxChunk = (n + size - 1) / size;
        MemorySegment recv = scratch(maxChunk * Float.BYTES);
        for (int i = 0; i < size - 1; i++) {
            int sendC = Math.floorMod(rank - i, size), recvC = Math.floorMod(rank - i - 1, size);
            long rs = chunkStart(n, recvC), rl = chunkStart(n, recvC + 1) - rs;
            shift(floats(work, n, sendC), recv.asSlice(0, rl * Float.BYTES));
            for (long e = 0; e < rl; e++) {
                long at = (rs + e) * Float.BYTES;
                work.set(ValueLayout.JAVA_FLOAT, at, work.get(ValueLayout.JAVA_FLOAT, at) + recv.getAtIndex(ValueLayout.JAVA_FLOAT, e));
            }
        }
        for (int i = 0; i < size - 1; i++) {
            int sendC = Math.floorMod(rank + 1 - i, size), recvC = Math.floorMod(rank - i, size);
            shift(floats(work, n, sendC), floats(work, n, recvC));
        }
    }

    private MemorySegment floats(MemorySegment s, long n, int c) {
        long a = chunkStart(n, c), b = chunkStart(n, c + 1);
        return s.asSlice(a * Float.BYTES, (b - a) * Float.BYTES);
    }

    /** Ring reduce-scatter; chunk r of the sum lands in rank r's {@code recv}. */
    @Override
    public void reduceScatterSum(MemorySegment send, MemorySegment recv) {
        Communicator.checkChunks("reduceScatterSum", send, recv, size);
        ringReduceScatter(work(send.byteSize()).copyFrom(send), recv);
    }

    private void ringReduceScatter(MemorySegment work, MemorySegment recv) {
        long n = work.byteSize() / Float.BYTES;
        MemorySegment in = scratch(recv.byteSize());
        for (int i = 0; i < size - 1; i++) {
            int sendC = Math.floorMod(rank - i - 1, size), recvC = Math.floorMod(rank - i - 2, size);
            shift(floats(work, n, sendC), in);
            MemorySegment dst = floats(work, n, recvC);
            for (long e = 0; e < dst.byteSize() / Float.BYTES; e++) {
                dst.setAtIndex(ValueLayout.JAVA_FLOAT, e, dst.getAtIndex(ValueLayout.JAVA_FLOAT, e) + in.getAtIndex(ValueLayout.JAVA_FLOAT, e));
            }
        }
        recv.copyFrom(floats(work, n, rank));
    }

    @Override
    public void allGather(MemorySegment send, MemorySegment recv) {
        Communicator.checkChunks("allGather", recv, send, size);
        long chunk = send.byteSize();
        MemorySegment gathered = work(recv.byteSize());
        gathered.asSlice(rank * chunk, chunk).copyFrom(send);
        for (int i = 0; i < size - 1; i++) {
            int sendC = Math.floorMod(rank - i, size), recvC = Math.floorMod(rank - i - 1, size);
            shift(gathered.asSlice(sendC * chunk, chunk), gathered.asSlice(recvC * chunk, chunk));
        }
        recv.copyFrom(gathered);
    }

    /**
     * Ring forwarding over the two links every rank already has: {@code size - 1} steps. Before step i a rank
     * holds a bundle of the {@code size - i} chunks that rank {@code rank - i + 1} addressed to ranks
     * {@code rank + 1, rank + 2, ...} (in that order); it sends the bundle right and receives its left
     * neighbour's, whose first chunk is addressed to it (from rank {@code rank - i}) and whose rest is the
     * next bundle. Each chunk travels as many hops as its destination is far, so the ring carries
     * {@code size (size - 1) / 2} chunks per link instead of one: fine for the small (O, LSE) exchanges of Helix.
     */
    @Override
    public void allToAll(MemorySegment send, MemorySegment recv) {
        if (send.byteSize() != recv.byteSize() || send.byteSize() % size != 0) {
            throw new IllegalArgumentException("allToAll: send of " + send.byteSize() + " bytes and recv of " + recv.byteSize()
                    + " bytes must be equal and divisible into " + size + " chunks");
        }
        long chunk = send.byteSize() / size;
        MemorySegment bundle = work((size - 1) * chunk);
        for (int j = 1; j < size; j++) bundle.asSlice((j - 1) * chunk, chunk).copyFrom(send.asSlice(((rank + j) % size) * chunk, chunk));
        MemorySegment in = scratch((size - 1) * chunk);
        recv.asSlice(rank * chunk, chunk).copyFrom(send.asSlice(rank * chunk, chunk));
        for (int i = 1; i < size; i++) {
            long k = size - i;
            shift(bundle.asSlice(0, k * chunk), in.asSlice(0, k * chunk));
            recv.asSlice(Math.floorMod(rank - i, size) * chunk, chunk).copyFrom(in.asSlice(0, chunk));
            if (k > 1) bundle.asSlice(0, (k - 1) * chunk).copyFrom(in.asSlice(chunk, (k - 1) * chunk));
        }
    }

    /** Passed along the ring from the root: n-1 hops. */
    @Override
    public void broadcast(MemorySegment data, int root) {
        if (root < 0 || root >= size) throw new IllegalArgumentException("root must be in [0, " + size + "), was " + root);
        if (size == 1) return;
        try {
            MemorySegment relay = work(data.byteSize());
            if (rank != root) {
                readFully(left, relay.asByteBuffer());
                data.copyFrom(relay);
            } else {
                relay.copyFrom(data);
            }
            if ((rank + 1) % size != root) writeFully(right, relay.asByteBuffer());
        } catch (IOException e) {
            throw new UncheckedIOException("tcp ring broadcast: rank " + rank + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void barrier() { control.barrier(); }

    @Override
    public void close() {
        // Every resource is closed even if an earlier one throws; the first failure is reported, the rest suppressed.
        IllegalStateException failure = new IllegalStateException("tcp ring: rank " + rank + " could not close cleanly");
        closeAll(failure, sender::shutdownNow, right, left, arena, ownsControl ? control : null);
        if (failure.getSuppressed().length > 0) throw failure;
    }
}
