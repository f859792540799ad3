package dev.kiln.collective.wire;

/**
 * What a datagram carries: fp32 data; the end-of-phase marker a sender appends after its data; or a
 * receiver's request to resend the listed packets, or its note that it has everything (only under the
 * reliable policy).
 */
public enum PacketKind {
    DATA(1), END(2), NACK(3), DONE(4);

    final byte code;

    PacketKind(int code) { this.code = (byte) code; }

    static PacketKind of(byte code) {
        return switch (code) {
            case 1 -> DATA;
            case 2 -> END;
            case 3 -> NACK;
            case 4 -> DONE;
            default -> null;
        };
    }
}
