package dev.kiln.collective.wire;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.zip.CRC32C;

/**
 * Encodes and decodes Kiln datagrams. Little-endian, 40-byte header:
 * <pre>
 *  0 int   magic 'KLN1'          20 int   tensor id
 *  4 int   job id                24 int   chunk (shard index)
 *  8 int   phase sequence no.    28 int   element offset in the chunk
 * 12 int   step                  32 short payload bytes
 * 16 byte  kind (DATA, END)      34 short reserved (0)
 * 17 byte  phase (RS, AG, ...)   36 int   CRC32C of bytes [0,36) and the payload
 * 18 short sender rank
 * </pre>
 * The CRC makes corruption (and most garbage) detectable; the job id separates concurrent jobs on one
 * port; seq/offset make duplicates and replays detectable by the receiver's per-phase bitmaps.
 */
public final class PacketCodec {
    public static final int MAGIC = 0x314E4C4B; // "KLN1" little-endian
    private static final int CRC_AT = 36;

    private final CRC32C crc = new CRC32C();

    /** A codec holds its own CRC state: one per thread. */
    public PacketCodec() {}

    /** Writes header and {@code floats} floats of {@code src} starting at element {@code srcIndex}; returns the datagram, flipped. */
    public ByteBuffer encodeData(ByteBuffer out, int jobId, int seq, int step, byte phase, int sender, int tensor,
                                 int chunk, int offset, MemorySegment src, long srcIndex, int floats) {
        out.clear().order(ByteOrder.LITTLE_ENDIAN);
        int bytes = floats * Float.BYTES;
        header(out, jobId, seq, step, PacketKind.DATA, phase, sender, tensor, chunk, offset, bytes);
        MemorySegment.copy(src, ValueLayout.JAVA_FLOAT_UNALIGNED, srcIndex * Float.BYTES,
                MemorySegment.ofBuffer(out), ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN),
                Packet.HEADER_BYTES, floats);
        return seal(out, Packet.HEADER_BYTES + bytes);
    }

    /** The end-of-phase marker: its payload is the number of DATA packets this sender sent the receiver. */
    public ByteBuffer encodeEnd(ByteBuffer out, int jobId, int seq, int step, byte phase, int sender, int tensor,
                                int chunk, int packetsSent) {
        out.clear().order(ByteOrder.LITTLE_ENDIAN);
        header(out, jobId, seq, step, PacketKind.END, phase, sender, tensor, chunk, 0, Integer.BYTES);
        out.putInt(Packet.HEADER_BYTES, packetsSent);
        return seal(out, Packet.HEADER_BYTES + Integer.BYTES);
    }

    /** A resend request for phase {@code seq}: its payload lists {@code count} packet indices of {@code chunk}. */
    public ByteBuffer encodeNack(ByteBuffer out, int jobId, int seq, int step, byte phase, int sender, int tensor, int chunk,
                                 int[] indices, int count) {
        out.clear().order(ByteOrder.LITTLE_ENDIAN);
        header(out, jobId, seq, step, PacketKind.NACK, phase, sender, tensor, chunk, 0, count * Integer.BYTES);
        for (int i = 0; i < count; i++) out.putInt(Packet.HEADER_BYTES + i * Integer.BYTES, indices[i]);
        return seal(out, Packet.HEADER_BYTES + count * Integer.BYTES);
    }

    /** "I have all of phase {@code seq}": lets a sender stop serving resend requests for it. */
    public ByteBuffer encodeDone(ByteBuffer out, int jobId, int seq, int step, byte phase, int sender, int tensor) {
        out.clear().order(ByteOrder.LITTLE_ENDIAN);
        header(out, jobId, seq, step, PacketKind.DONE, phase, sender, tensor, 0, 0, 0);
        return seal(out, Packet.HEADER_BYTES);
    }

    private static void header(ByteBuffer out, int jobId, int seq, int step, PacketKind kind, byte phase, int sender,
                               int tensor, int chunk, int offset, int bytes) {
        out.putInt(0, MAGIC).putInt(4, jobId).putInt(8, seq).putInt(12, step)
                .put(16, kind.code).put(17, phase).putShort(18, (short) sender)
                .putInt(20, tensor).putInt(24, chunk).putInt(28, offset)
                .putShort(32, (short) bytes).putShort(34, (short) 0).putInt(CRC_AT, 0);
    }

    private ByteBuffer seal(ByteBuffer out, int total) {
        out.limit(total);
        crc.reset();
        out.position(0).limit(CRC_AT);
        crc.update(out);
        out.limit(total).position(Packet.HEADER_BYTES);
        crc.update(out);
        out.putInt(CRC_AT, (int) crc.getValue());
        out.position(0);
        return out;
    }

    /**
     * Checks framing, magic, length and CRC of the datagram in {@code in} (position 0, limit = received
     * bytes). Returns the header, or {@code null} with the reason in {@code why[0]}.
     */
    public Packet decode(ByteBuffer in, int expectedJob, Verdict[] why) {
        in.order(ByteOrder.LITTLE_ENDIAN);
        int n = in.limit();
        if (n < Packet.HEADER_BYTES) { why[0] = Verdict.TRUNCATED; return null; }
        if (in.getInt(0) != MAGIC) { why[0] = Verdict.CORRUPT; return null; }
        int length = Short.toUnsignedInt(in.getShort(32));
        if (n < Packet.HEADER_BYTES + length) { why[0] = Verdict.TRUNCATED; return null; }
        crc.reset();
        in.position(0).limit(CRC_AT);
        crc.update(in);
        in.limit(Packet.HEADER_BYTES + length).position(Packet.HEADER_BYTES);
        crc.update(in);
        in.position(0).limit(n);
        if ((int) crc.getValue() != in.getInt(CRC_AT)) { why[0] = Verdict.CORRUPT; return null; }
        PacketKind kind = PacketKind.of(in.get(16));
        if (kind == null) { why[0] = Verdict.CORRUPT; return null; }
        int job = in.getInt(4);
        if (job != expectedJob) { why[0] = Verdict.FOREIGN; return null; }
        why[0] = Verdict.ACCEPTED;
        return new Packet(job, in.getInt(8), in.getInt(12), kind, in.get(17), Short.toUnsignedInt(in.getShort(18)),
                in.getInt(20), in.getInt(24), in.getInt(28), length);
    }
}
