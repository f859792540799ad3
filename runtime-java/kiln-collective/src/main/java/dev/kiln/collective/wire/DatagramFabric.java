package dev.kiln.collective.wire;

import java.nio.ByteBuffer;

/**
 * Unreliable, unordered datagrams between the ranks of one group: what UDP gives, and what the in-process
 * fabric imitates with seeded loss. The lossy collectives are written once against this interface.
 */
public interface DatagramFabric extends AutoCloseable {
    int rank();

    int size();

    /** Sends the remaining bytes of {@code datagram} to {@code peer}; may silently lose it. Never blocks for long. */
    void send(int peer, ByteBuffer datagram);

    /**
     * Receives one datagram into {@code into} (cleared first; flipped on return) waiting at most until
     * {@code deadlineNanos} ({@link System#nanoTime()} clock). Returns false when none came by then.
     * The sender's rank is NOT known from the fabric: it is read (and verified) from the header.
     */
    boolean receive(ByteBuffer into, long deadlineNanos);

    /** Largest datagram this fabric sends as one packet. */
    int maxDatagramBytes();

    @Override
    void close();
}
