package dev.kiln.collective.wire;

import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PhaseLossFabricTest {
    /** Sends {@code n} datagrams of {@code phase} from rank 0 to rank 1 and counts what arrives. */
    private static int delivered(PhaseLossFabric sender, DatagramFabric receiver, byte phase, int n) {
        PacketCodec codec = new PacketCodec();
        ByteBuffer buf = ByteBuffer.allocateDirect(Packet.DEFAULT_DATAGRAM_BYTES);
        float[] payload = new float[8];
        for (int i = 0; i < n; i++) {
            sender.send(1, codec.encodeData(buf, 7, i, i, phase, 0, 1, 1, 0, MemorySegment.ofArray(payload), 0, payload.length));
        }
        ByteBuffer in = ByteBuffer.allocateDirect(Packet.MAX_DATAGRAM_BYTES);
        int got = 0;
        while (receiver.receive(in, 0)) {
            assertEquals(phase, in.get(Packet.PHASE_OFFSET), "a datagram of another phase arrived");
            got++;
        }
        return got;
    }

    @Test
    void only_the_named_phases_lose_datagrams_at_the_given_rate() {
        long seed = Long.getLong("kiln.test.seed", System.nanoTime()); // -Dkiln.test.seed=N pins it
        double p = new SplittableRandom(seed).nextDouble(0.05, 0.5);
        InProcessDatagramFabric lossless = new InProcessDatagramFabric(2, 0.0, seed);
        PhaseLossFabric sender = new PhaseLossFabric(lossless.endpoint(0), p, seed, (byte) 1, (byte) 4);
        int n = 20_000;
        assertEquals(n, delivered(sender, lossless.endpoint(1), (byte) 2, n), "seed " + seed + ": phase 2 must pass untouched");
        assertEquals(n, delivered(sender, lossless.endpoint(1), (byte) 3, n), "seed " + seed + ": phase 3 must pass untouched");
        for (byte phase : new byte[]{1, 4}) {
            long droppedBefore = sender.dropped();
            int got = delivered(sender, lossless.endpoint(1), phase, n);
            double sigma = Math.sqrt(n * p * (1 - p));
            assertTrue(Math.abs((n - got) - n * p) < 5 * sigma,
                    "seed " + seed + ": phase " + phase + " lost " + (n - got) + " of " + n + " at p = " + p);
            assertEquals(n - got, sender.dropped() - droppedBefore, "seed " + seed + ": drop counter");
        }
    }

    @Test
    void the_same_seed_drops_the_same_datagrams() {
        long seed = Long.getLong("kiln.test.seed", System.nanoTime()); // -Dkiln.test.seed=N pins it
        int[] first = new int[2];
        for (int run = 0; run < 2; run++) {
            InProcessDatagramFabric lossless = new InProcessDatagramFabric(2, 0.0, 1);
            PhaseLossFabric sender = new PhaseLossFabric(lossless.endpoint(0), 0.3, seed, (byte) 1);
            PacketCodec codec = new PacketCodec();
            ByteBuffer buf = ByteBuffer.allocateDirect(Packet.DEFAULT_DATAGRAM_BYTES);
            ByteBuffer in = ByteBuffer.allocateDirect(Packet.MAX_DATAGRAM_BYTES);
            int hash = 0;
            for (int i = 0; i < 2000; i++) {
                sender.send(1, codec.encodeData(buf, 7, i, i, (byte) 1, 0, 1, 1, 0, MemorySegment.ofArray(new float[1]), 0, 1));
                while (lossless.endpoint(1).receive(in, 0)) hash = 31 * hash + in.getInt(8);
            }
            first[run] = hash;
        }
        assertEquals(first[0], first[1], "seed " + seed);
    }

    @Test
    void datagrams_of_steps_before_the_first_lossy_step_all_arrive() {
        long seed = Long.getLong("kiln.test.seed", System.nanoTime()); // -Dkiln.test.seed=N pins it
        InProcessDatagramFabric lossless = new InProcessDatagramFabric(2, 0.0, seed);
        int from = 1000, n = 20_000;
        PhaseLossFabric sender = new PhaseLossFabric(lossless.endpoint(0), 0.3, seed, from, (byte) 1);
        PacketCodec codec = new PacketCodec();
        ByteBuffer buf = ByteBuffer.allocateDirect(Packet.DEFAULT_DATAGRAM_BYTES);
        ByteBuffer in = ByteBuffer.allocateDirect(Packet.MAX_DATAGRAM_BYTES);
        int early = 0, late = 0;
        for (int step = 0; step < n; step++) {   // step i in datagram i (seq = step = i)
            sender.send(1, codec.encodeData(buf, 7, step, step, (byte) 1, 0, 1, 1, 0, MemorySegment.ofArray(new float[1]), 0, 1));
            while (lossless.endpoint(1).receive(in, 0)) {
                if (in.order(java.nio.ByteOrder.LITTLE_ENDIAN).getInt(Packet.STEP_OFFSET) < from) early++;
                else late++;
            }
        }
        assertEquals(from, early, "seed " + seed + ": a datagram of a step before " + from + " was lost");
        double lateSent = n - from, sigma = Math.sqrt(lateSent * 0.3 * 0.7);
        assertTrue(Math.abs((lateSent - late) - 0.3 * lateSent) < 5 * sigma, "seed " + seed + ": lost " + (lateSent - late) + " of " + lateSent);
    }
}
