package dev.kiln.collective.wire;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Ranks as threads exchanging datagrams through queues, with seeded i.i.d. loss per (sender, receiver)
 * packet: the unit-test stand-in for UDP. The same seed gives the same drops for the same traffic.
 * {@link #inject} puts arbitrary bytes in a rank's inbox (garbage, replays) and {@link Endpoint#close}
 * makes a rank vanish (a killed process).
 */
public final class InProcessDatagramFabric {
    private final int size;
    private final double lossRate;
    private final int maxDatagramBytes;
    private final List<LinkedBlockingQueue<byte[]>> inbox;
    private final SplittableRandom[][] linkRandom;
    private final AtomicLongArray dropped;
    private final Endpoint[] endpoints;

    public InProcessDatagramFabric(int size, double lossRate, long seed, int maxDatagramBytes) {
        if (size < 1) throw new IllegalArgumentException("size must be >= 1, was " + size);
        if (!(lossRate >= 0 && lossRate < 1)) throw new IllegalArgumentException("lossRate must be in [0, 1), was " + lossRate);
        if (maxDatagramBytes <= Packet.HEADER_BYTES + Float.BYTES || maxDatagramBytes > Packet.MAX_DATAGRAM_BYTES) {
            throw new IllegalArgumentException("maxDatagramBytes must be in (" + (Packet.HEADER_BYTES + Float.BYTES) + ", "
                    + Packet.MAX_DATAGRAM_BYTES + "], was " + maxDatagramBytes);
        }
        this.size = size;
        this.lossRate = lossRate;
        this.maxDatagramBytes = maxDatagramBytes;
        this.inbox = new ArrayList<>(size);
        this.linkRandom = new SplittableRandom[size][size];
        SplittableRandom root = new SplittableRandom(seed);
        for (int s = 0; s < size; s++) {
            inbox.add(new LinkedBlockingQueue<>());
            for (int r = 0; r < size; r++) linkRandom[s][r] = root.split();
        }
        this.dropped = new AtomicLongArray(size * size);
        this.endpoints = new Endpoint[size];
        for (int r = 0; r < size; r++) endpoints[r] = new Endpoint(r);
    }

    public InProcessDatagramFabric(int size, double lossRate, long seed) {
        this(size, lossRate, seed, Packet.DEFAULT_DATAGRAM_BYTES);
    }

    public Endpoint endpoint(int rank) { return endpoints[rank]; }

    /** Datagrams the fabric dropped on the link sender → receiver. */
    public long dropped(int sender, int receiver) { return dropped.get(sender * size + receiver); }

    /** Delivers raw bytes to {@code rank}'s inbox as if from the network (no loss applied). */
    public void inject(int rank, byte[] datagram) { inbox.get(rank).add(datagram.clone()); }

    public final class Endpoint implements DatagramFabric {
        private final int rank;
        private volatile boolean closed;

        Endpoint(int rank) { this.rank = rank; }

        @Override public int rank() { return rank; }
        @Override public int size() { return size; }
        @Override public int maxDatagramBytes() { return maxDatagramBytes; }

        @Override
        public void send(int peer, ByteBuffer datagram) {
            if (closed || endpoints[peer].closed) return;
            if (datagram.remaining() > maxDatagramBytes) {
                throw new IllegalArgumentException("datagram of " + datagram.remaining() + " bytes exceeds " + maxDatagramBytes);
            }
            SplittableRandom link = linkRandom[rank][peer];
            boolean drop;
            synchronized (link) { drop = lossRate > 0 && link.nextDouble() < lossRate; }
            if (drop) {
                dropped.incrementAndGet(rank * size + peer);
                datagram.position(datagram.limit());
                return;
            }
            byte[] copy = new byte[datagram.remaining()];
            datagram.get(copy);
            inbox.get(peer).add(copy);
        }

        @Override
        public boolean receive(ByteBuffer into, long deadlineNanos) {
            into.clear();
            if (closed) return false;
            try {
                byte[] d = inbox.get(rank).poll();
                if (d == null) {
                    long wait = deadlineNanos - System.nanoTime();
                    if (wait <= 0) return false;
                    d = inbox.get(rank).poll(wait, TimeUnit.NANOSECONDS);
                    if (d == null) return false;
                }
                into.put(d, 0, Math.min(d.length, into.capacity())).flip();
                return true;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }

        /** This rank vanishes: nothing it sends arrives, nothing is delivered to it. */
        @Override
        public void close() {
            closed = true;
            inbox.get(rank).clear();
        }
    }
}
