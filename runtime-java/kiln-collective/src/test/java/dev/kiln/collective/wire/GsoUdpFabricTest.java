package dev.kiln.collective.wire;

import dev.kiln.device.KilnNativeException;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The FFM UDP GSO/GRO socket on loopback: what one rank sends arrives byte for byte, in order, cut at the
 * datagram boundaries it was sent with, although it left in 64 KB GSO sends and came back in GRO-coalesced
 * messages; an error the kernel returns is thrown with its errno's name and is not counted as loss.
 */
class GsoUdpFabricTest {
    private static GsoUdpFabric[] pair(int datagramBytes) {
        GsoUdpFabric a = new GsoUdpFabric(0, new InetSocketAddress("127.0.0.1", 0), datagramBytes, 8 << 20);
        GsoUdpFabric b = new GsoUdpFabric(1, new InetSocketAddress("127.0.0.1", 0), datagramBytes, 8 << 20);
        List<InetSocketAddress> both = List.of(a.localAddress(), b.localAddress());
        a.connectPeers(both);
        b.connectPeers(both);
        return new GsoUdpFabric[]{a, b};
    }

    @Test
    void thisLinuxKernelOffersUdpGsoAndGro() {
        assertNull(GsoUdpFabric.unavailabilityCause(), "the machines Kiln runs on have Linux >= 5.0");
        assertEquals(UdpFabric.Path.GSO, UdpFabric.selected());
    }

    @Test
    void datagramsArriveExactlyAsSentThroughGsoAndGro() {
        assumeTrue(GsoUdpFabric.unavailabilityCause() == null, GsoUdpFabric.unavailabilityCause());
        long seed = System.nanoTime();
        SplittableRandom rnd = new SplittableRandom(seed);
        int max = Packet.DEFAULT_DATAGRAM_BYTES;
        GsoUdpFabric[] f = pair(max);
        try {
            // Mostly full-size datagrams (they coalesce), with short ones between (they end a burst early).
            List<byte[]> sent = new ArrayList<>();
            ByteBuffer out = ByteBuffer.allocateDirect(max);
            ByteBuffer in = ByteBuffer.allocateDirect(Packet.MAX_DATAGRAM_BYTES);
            List<byte[]> got = new ArrayList<>();
            for (int i = 0; i < 3000; i++) {
                int len = rnd.nextInt(50) == 0 ? 1 + rnd.nextInt(max) : max;
                byte[] d = new byte[len];
                rnd.nextBytes(d);
                d[0] = (byte) i;
                sent.add(d);
                out.clear().put(d).flip();
                f[0].send(1, out);
                if (i % 200 == 199) { // drain now and then, as the exchange does, so the 8 MiB buffer never fills
                    f[0].flush();
                    while (f[1].receive(in, System.nanoTime() + 20_000_000)) got.add(copy(in));
                }
            }
            f[0].flush();
            while (got.size() < sent.size() && f[1].receive(in, System.nanoTime() + 2_000_000_000L)) got.add(copy(in));
            assertEquals(sent.size(), got.size(), "seed " + seed + ": datagrams lost on loopback");
            for (int i = 0; i < sent.size(); i++) assertArrayEquals(sent.get(i), got.get(i), "seed " + seed + ": datagram " + i);
            assertTrue(f[0].datagramsPerSend() > 10, "GSO should send many datagrams per sendmsg, was " + f[0].datagramsPerSend());
            assertTrue(f[1].datagramsPerReceiveCall() > 10, "GRO + recvmmsg should return many per call, was " + f[1].datagramsPerReceiveCall());
            assertEquals(0, f[0].sendBufferDrops());
            assertEquals(0, f[1].receiveBufferDrops());
            assertFalse(f[1].receive(in, 0), "nothing more was sent");
        } finally {
            f[0].close();
            f[1].close();
        }
    }

    @Test
    void aKernelErrorIsThrownWithItsErrnoNameAndNotCountedAsLoss() {
        assumeTrue(GsoUdpFabric.unavailabilityCause() == null, GsoUdpFabric.unavailabilityCause());
        try (GsoUdpFabric a = new GsoUdpFabric(0, new InetSocketAddress("127.0.0.1", 0), 1472, 1 << 20)) {
            // The limited broadcast address without SO_BROADCAST: the kernel answers EACCES.
            a.connectPeers(List.of(a.localAddress(), new InetSocketAddress("255.255.255.255", 9)));
            ByteBuffer d = ByteBuffer.allocateDirect(100);
            d.put(new byte[100]).flip();
            a.send(1, d);
            KilnNativeException e = assertThrows(KilnNativeException.class, a::flush);
            assertEquals("EACCES", e.errorName(), e.getMessage());
            assertEquals("sendmsg", e.function());
            assertTrue(e.getMessage().contains("rank 1"), e.getMessage());
            assertEquals(0, a.sendBufferDrops(), "an error is not loss");
        }
        GsoUdpFabric[] f = pair(1472);
        f[1].close();
        f[0].close();
        assertThrows(IllegalStateException.class, () -> f[0].send(1, ByteBuffer.allocate(10)), "send on a closed socket");
        assertThrows(IllegalStateException.class, () -> f[0].receive(ByteBuffer.allocate(10), 0), "receive on a closed socket");
    }

    @Test
    void badDatagramSizeNamesTheValue() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new GsoUdpFabric(0, new InetSocketAddress("127.0.0.1", 0), 70000, 1 << 20));
        assertTrue(e.getMessage().contains("70000"), e.getMessage());
    }

    private static byte[] copy(ByteBuffer in) {
        byte[] b = new byte[in.remaining()];
        in.get(in.position(), b);
        return Arrays.copyOf(b, b.length);
    }
}
