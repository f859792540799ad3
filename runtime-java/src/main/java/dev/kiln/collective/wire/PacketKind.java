package dev.kiln.collective.wire;

/** What a datagram carries: fp32 data, or the end-of-phase marker a sender appends after its data. */
public enum PacketKind {
    DATA(1), END(2);

    final byte code;

    PacketKind(int code) { this.code = (byte) code; }

    static PacketKind of(byte code) {
        return switch (code) {
            case 1 -> DATA;
            case 2 -> END;
            default -> null;
        };
    }
}
