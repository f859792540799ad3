package dev.kiln.collective.wire;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.SplittableRandom;

/**
 * A {@link DatagramFabric} that loses the datagrams of some phases only: each datagram whose header names one
 * of {@code phases} (byte {@link Packet#PHASE_OFFSET}) is dropped with probability {@code lossRate}, i.i.d. per
 * (sender, receiver) link from a seeded stream; every other datagram passes untouched. Wrapped around a
 * lossless fabric it answers "what does loss in the reduce-scatter alone cost, or in the broadcast alone?"
 * With {@code fromStep} it also spares the datagrams of earlier training steps ({@link Packet#STEP_OFFSET}):
 * "what does loss cost after the warm-up?"
 * The same seed gives the same drops for the same traffic, like {@link InProcessDatagramFabric}.
 */
public final class PhaseLossFabric implements DatagramFabric {
    private final DatagramFabric inner;
    private final double lossRate;
    private final boolean[] lossy = new boolean[256];
    private final SplittableRandom[] link;
    private final int fromStep;
    private long dropped;

    /** @param phases the phase bytes whose datagrams may be lost (at least one) */
    public PhaseLossFabric(DatagramFabric inner, double lossRate, long seed, byte... phases) {
        this(inner, lossRate, seed, 0, phases);
    }

    /** @param fromStep datagrams of training steps before this one all arrive */
    public PhaseLossFabric(DatagramFabric inner, double lossRate, long seed, int fromStep, byte... phases) {
        if (!(lossRate >= 0 && lossRate < 1)) throw new IllegalArgumentException("lossRate must be in [0, 1), was " + lossRate);
        if (phases.length == 0) throw new IllegalArgumentException("phases must name at least one phase");
        if (fromStep < 0) throw new IllegalArgumentException("fromStep must be >= 0, was " + fromStep);
        this.inner = inner;
        this.lossRate = lossRate;
        this.fromStep = fromStep;
        for (byte p : phases) lossy[p & 0xFF] = true;
        // One stream per link, split from the seed in (sender, receiver) order: independent of thread timing.
        SplittableRandom root = new SplittableRandom(seed);
        SplittableRandom[][] all = new SplittableRandom[inner.size()][inner.size()];
        for (int s = 0; s < inner.size(); s++) for (int r = 0; r < inner.size(); r++) all[s][r] = root.split();
        this.link = all[inner.rank()];
    }

    @Override public int rank() { return inner.rank(); }
    @Override public int size() { return inner.size(); }
    @Override public int maxDatagramBytes() { return inner.maxDatagramBytes(); }

    /** Datagrams this rank's sends lost so far. */
    public long dropped() { return dropped; }

    @Override
    public void send(int peer, ByteBuffer datagram) {
        int at = datagram.position() + Packet.PHASE_OFFSET;
        boolean aimed = datagram.limit() > at && lossy[datagram.get(at) & 0xFF] && (fromStep == 0 || step(datagram) >= fromStep);
        if (aimed && link[peer].nextDouble() < lossRate) {
            dropped++;
            datagram.position(datagram.limit());
            return;
        }
        inner.send(peer, datagram);
    }

    private static int step(ByteBuffer datagram) {
        return datagram.duplicate().order(ByteOrder.LITTLE_ENDIAN).getInt(datagram.position() + Packet.STEP_OFFSET);
    }

    @Override
    public boolean receive(ByteBuffer into, long deadlineNanos) { return inner.receive(into, deadlineNanos); }

    @Override
    public void close() { inner.close(); }
}
