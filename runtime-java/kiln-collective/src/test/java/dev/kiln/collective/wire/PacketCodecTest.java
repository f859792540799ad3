package dev.kiln.collective.wire;

import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class PacketCodecTest {
    @Test
    void a_datagram_round_trips_and_every_single_bit_flip_is_caught() {
        long seed = Long.getLong("kiln.test.seed", System.nanoTime()); // -Dkiln.test.seed=N pins it
        SplittableRandom rnd = new SplittableRandom(seed);
        float[] src = new float[1000];
        for (int i = 0; i < src.length; i++) src[i] = (float) rnd.nextDouble();
        PacketCodec codec = new PacketCodec();
        ByteBuffer buf = ByteBuffer.allocateDirect(Packet.DEFAULT_DATAGRAM_BYTES);
        codec.encodeData(buf, 42, 9, 3, (byte) 1, 2, 5, 1, 358, MemorySegment.ofArray(src), 100, 358);
        assertEquals(Packet.HEADER_BYTES + 358 * 4, buf.remaining());
        byte[] wire = new byte[buf.remaining()];
        buf.get(wire);
        Verdict[] why = new Verdict[1];
        Packet p = codec.decode(ByteBuffer.wrap(wire), 42, why);
        assertEquals(new Packet(42, 9, 3, PacketKind.DATA, (byte) 1, 2, 5, 1, 358, 358 * 4), p);
        ByteBuffer in = ByteBuffer.wrap(wire).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < 358; i++) assertEquals(src[100 + i], in.getFloat(Packet.HEADER_BYTES + 4 * i));

        assertNull(codec.decode(ByteBuffer.wrap(wire), 43, why));
        assertEquals(Verdict.FOREIGN, why[0]);
        assertNull(codec.decode(ByteBuffer.wrap(wire, 0, 20).slice(), 42, why));
        assertEquals(Verdict.TRUNCATED, why[0]);
        assertNull(codec.decode(ByteBuffer.wrap(wire, 0, wire.length - 1).slice(), 42, why));
        assertEquals(Verdict.TRUNCATED, why[0]);
        for (int trial = 0; trial < 200; trial++) {
            byte[] bad = wire.clone();
            int bit = rnd.nextInt(bad.length * 8);
            bad[bit / 8] ^= (byte) (1 << (bit % 8));
            Packet q = codec.decode(ByteBuffer.wrap(bad), 42, why);
            if (q != null) throw new AssertionError("bit " + bit + " flipped but accepted, seed " + seed);
        }
    }
}
