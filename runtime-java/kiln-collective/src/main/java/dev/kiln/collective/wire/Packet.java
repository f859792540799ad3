package dev.kiln.collective.wire;

/**
 * The decoded header of one datagram. {@code seq} is the phase sequence number (every rank numbers its
 * collective phases identically because collectives are called in the same order everywhere), {@code step}
 * the caller's training step, {@code chunk} the shard the payload belongs to, {@code offset} the element
 * offset of the payload inside that shard, {@code length} the payload bytes.
 */
public record Packet(int jobId, int seq, int step, PacketKind kind, byte phase, int sender, int tensor,
                     int chunk, int offset, int length) {
    /** Payload floats (DATA) start at this byte offset of the datagram. */
    public static final int HEADER_BYTES = 40;
    /** Where the phase byte sits in every datagram (see {@link PacketCodec}): loss can be aimed at one phase. */
    public static final int PHASE_OFFSET = 17;
    /** The little-endian training step of a datagram starts at this byte offset. */
    public static final int STEP_OFFSET = 12;
    /** IPv4 MTU 1500 minus 20 B IP and 8 B UDP headers: one datagram is one wire packet. */
    public static final int DEFAULT_DATAGRAM_BYTES = 1472;
    public static final int MAX_DATAGRAM_BYTES = 65507;
}
