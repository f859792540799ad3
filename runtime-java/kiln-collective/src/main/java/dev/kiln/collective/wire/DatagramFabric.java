package dev.kiln.collective.wire;

import java.nio.ByteBuffer;

/**
 * Unreliable, unordered datagrams between the ranks of one group: what UDP gives, and what the in-process
 * fabric imitates with seeded loss. The lossy collectives are written once against this interface.
 */
public interface DatagramFabric extends AutoCloseable {
    int rank();

    int size();

    /**
     * Sends the remaining bytes of {@code datagram} to {@code peer}, or stages them to go with the next ones;
     * may silently lose it (that is loss). Never blocks for long. A local I/O error other than a refused port
     * is thrown, never counted as loss.
     */
    void send(int peer, ByteBuffer datagram);

    /**
     * Receives one datagram into {@code into} (cleared first; flipped on return) waiting at most until
     * {@code deadlineNanos} ({@link System#nanoTime()} clock). Returns false when none came by then.
     * The sender's rank is NOT known from the fabric: it is read (and verified) from the header.
     */
    boolean receive(ByteBuffer into, long deadlineNanos);

    /**
     * Hands datagrams that {@link #send} may have staged (to send several in one system call) to the network.
     * A fabric also flushes before {@link #receive} waits, so only a caller about to stop receiving needs this.
     */
    default void flush() {}

    /** Largest datagram this fabric sends as one packet. */
    int maxDatagramBytes();

    @Override
    void close();
}
