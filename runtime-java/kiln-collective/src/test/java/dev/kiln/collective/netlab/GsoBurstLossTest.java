package dev.kiln.collective.netlab;

import dev.kiln.bind.net.LinuxNetns;
import dev.kiln.collective.wire.GsoUdpFabric;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.FutureTask;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The loss both labs inject is i.i.d. per datagram although the sender leaves in 64 KB GSO bursts: rank 0 sends
 * bursts of 44 datagrams of 1472 B through the FFM GSO socket to rank 1 at p = 0.1; per burst the number lost
 * must be Binomial(44, 0.1) (variance 3.96), where whole-burst drops would give a variance near 44² · 0.09 = 174
 * and a tenth of the bursts empty. Every datagram missing at the receiver must be one the rules counted as
 * dropped (nothing lost to receive buffers). Root only.
 */
class GsoBurstLossTest {
    private static final int BURST = 44, BURSTS = 1500, BYTES = 1472, PORT = LossyNamespace.UDP_PORT_BASE;
    private static final double P = 0.10;

    @Test
    void vethNetworkDropsSingleDatagramsNotWholeGsoBursts() throws Exception {
        String cause = VethNetwork.unavailabilityCause();
        assumeTrue(cause == null, "veth lab skipped: " + cause);
        try (VethNetwork net = VethNetwork.create("kiln-iid-" + ProcessHandle.current().pid(), 2, P)) {
            GsoUdpFabric tx = net.inRank(0, () -> new GsoUdpFabric(0, new InetSocketAddress(VethNetwork.address(0), PORT), BYTES, 8 << 20));
            GsoUdpFabric rx = net.inRank(1, () -> new GsoUdpFabric(1, new InetSocketAddress(VethNetwork.address(1), PORT + 1), BYTES, 64 << 20));
            sendBurstsAndCheck(tx, rx, net::counters, net.toString());
        }
    }

    @Test
    void loopbackNamespaceDropsSingleDatagramsNotWholeGsoBursts() throws Exception {
        String cause = LossyNamespace.unavailabilityCause();
        assumeTrue(cause == null, "loss namespace skipped: " + cause);
        try (LossyNamespace ns = LossyNamespace.create("kiln-iidlo-" + ProcessHandle.current().pid(), P)) {
            GsoUdpFabric tx = inside(ns.name(), () -> new GsoUdpFabric(0, new InetSocketAddress("127.0.0.1", PORT), BYTES, 8 << 20));
            GsoUdpFabric rx = inside(ns.name(), () -> new GsoUdpFabric(1, new InetSocketAddress("127.0.0.1", PORT + 1), BYTES, 64 << 20));
            sendBurstsAndCheck(tx, rx, ns::counters, ns.toString());
        }
    }

    /** 4000-byte datagrams on MTU 1500: the kernel refuses to cut them (EMSGSIZE); the fabric sends them whole, fragmented. */
    @Test
    void datagramsAboveTheMtuStillArriveWhole() throws Exception {
        String cause = VethNetwork.unavailabilityCause();
        assumeTrue(cause == null, "veth lab skipped: " + cause);
        try (VethNetwork net = VethNetwork.create("kiln-big-" + ProcessHandle.current().pid(), 2, 0)) {
            GsoUdpFabric tx = net.inRank(0, () -> new GsoUdpFabric(0, new InetSocketAddress(VethNetwork.address(0), PORT), 4000, 8 << 20));
            GsoUdpFabric rx = net.inRank(1, () -> new GsoUdpFabric(1, new InetSocketAddress(VethNetwork.address(1), PORT + 1), 4000, 8 << 20));
            List<InetSocketAddress> both = List.of(tx.localAddress(), rx.localAddress());
            tx.connectPeers(both);
            rx.connectPeers(both);
            try {
                ByteBuffer out = ByteBuffer.allocateDirect(4000).order(ByteOrder.LITTLE_ENDIAN);
                for (int i = 0; i < 100; i++) {
                    out.clear().putInt(0, i).putInt(3996, ~i).limit(4000);
                    tx.send(1, out);
                }
                tx.flush();
                ByteBuffer in = ByteBuffer.allocateDirect(65536).order(ByteOrder.LITTLE_ENDIAN);
                BitSet got = new BitSet();
                while (got.cardinality() < 100 && rx.receive(in, System.nanoTime() + 2_000_000_000L)) {
                    assertEquals(4000, in.remaining());
                    assertEquals(~in.getInt(0), in.getInt(3996));
                    got.set(in.getInt(0));
                }
                assertEquals(100, got.cardinality(), "all 4000-byte datagrams arrive whole");
                assertEquals(1.0, tx.datagramsPerSend(), 1e-9, "after EMSGSIZE for a burst the fabric sends one per call");
            } finally {
                tx.close();
                rx.close();
            }
        }
    }

    private static <T> T inside(String namespace, Callable<T> body) throws Exception {
        FutureTask<T> task = new FutureTask<>(() -> {
            LinuxNetns.enter(namespace);
            return body.call();
        });
        Thread.ofPlatform().start(task).join();
        return task.get();
    }

    private static void sendBurstsAndCheck(GsoUdpFabric tx, GsoUdpFabric rx, Supplier<LossyNamespace.Counters> counters, String lab)
            throws Exception {
        double p = P;
        List<InetSocketAddress> both = List.of(tx.localAddress(), rx.localAddress());
        tx.connectPeers(both);
        rx.connectPeers(both);
        try {
            BitSet got = new BitSet(BURSTS * BURST);
            CompletableFuture<Void> receiver = CompletableFuture.runAsync(() -> {
                ByteBuffer in = ByteBuffer.allocateDirect(65536).order(ByteOrder.LITTLE_ENDIAN);
                while (rx.receive(in, System.nanoTime() + 1_000_000_000L)) {
                    if (in.remaining() == BYTES) got.set(in.getInt(0));
                }
            });
            ByteBuffer out = ByteBuffer.allocateDirect(BYTES).order(ByteOrder.LITTLE_ENDIAN);
            for (int b = 0; b < BURSTS; b++) {
                for (int i = 0; i < BURST; i++) {
                    out.clear().putInt(0, b * BURST + i).limit(BYTES);
                    tx.send(1, out);
                }
                tx.flush();
                if (b % 50 == 49) Thread.sleep(2); // a paced sender: this test is about where loss happens
            }
            receiver.get();
            double mean = 0, var = 0;
            int whole = 0;
            int[] lost = new int[BURSTS];
            for (int b = 0; b < BURSTS; b++) {
                lost[b] = BURST - got.get(b * BURST, (b + 1) * BURST).cardinality();
                mean += lost[b] / (double) BURSTS;
                if (lost[b] == BURST) whole++;
            }
            for (int b = 0; b < BURSTS; b++) var += (lost[b] - mean) * (lost[b] - mean) / (BURSTS - 1);
            LossyNamespace.Counters c = counters.get();
            long missing = (long) BURSTS * BURST - got.cardinality();
            String msg = String.format("lost per burst: mean %.2f (want %.1f), variance %.2f (i.i.d. %.2f, whole bursts ~%.0f), "
                            + "%d bursts lost whole; rules saw %d dropped %d; receiver missing %d; rcvbuf drops %d; %.1f datagrams per sendmsg, %.1f per recvmmsg; %s",
                    mean, BURST * p, var, BURST * p * (1 - p), BURST * BURST * p * (1 - p), whole, c.udpSeen(), c.udpDropped(), missing,
                    rx.receiveBufferDrops(), tx.datagramsPerSend(), rx.datagramsPerReceiveCall(), lab);
            System.out.println("i.i.d. loss per datagram: " + msg);
            assertEquals((long) BURSTS * BURST, c.udpSeen(), "the rules see every datagram once, as a packet of its own: " + msg);
            assertEquals(c.udpDropped(), missing, "every missing datagram was dropped by the rules, none elsewhere: " + msg);
            assertEquals(0, rx.receiveBufferDrops(), msg);
            assertEquals(BURST * p, mean, 0.3, msg);
            assertTrue(var > 2.8 && var < 5.2, "per-burst variance must be binomial: " + msg);
            assertEquals(0, whole, msg);
            assertTrue(tx.datagramsPerSend() > 40, msg);
        } finally {
            tx.close();
            rx.close();
        }
    }
}
