package dev.kiln.collective.lossy;

import dev.kiln.collective.wire.DatagramFabric;
import dev.kiln.collective.wire.InProcessDatagramFabric;
import dev.kiln.collective.wire.PacketCodec;
import dev.kiln.collective.wire.Verdict;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Garbage, corrupt, truncated, foreign-job, duplicated and replayed datagrams are dropped, counted, and change nothing. */
class RejectedDatagramsTest {
    private static final int RANKS = 4;

    /** Rank 0's endpoint that sends every datagram twice and remembers what it sent to rank 1. */
    private static final class DuplicatingRecorder implements DatagramFabric {
        final DatagramFabric inner;
        final List<byte[]> toRank1 = new ArrayList<>();

        DuplicatingRecorder(DatagramFabric inner) { this.inner = inner; }

        @Override public int rank() { return inner.rank(); }
        @Override public int size() { return inner.size(); }
        @Override public int maxDatagramBytes() { return inner.maxDatagramBytes(); }
        @Override public boolean receive(ByteBuffer into, long deadlineNanos) { return inner.receive(into, deadlineNanos); }
        @Override public void close() { inner.close(); }

        @Override
        public void send(int peer, ByteBuffer datagram) {
            byte[] copy = new byte[datagram.remaining()];
            datagram.get(datagram.position(), copy);
            if (peer == 1) synchronized (toRank1) { toRank1.add(copy); }
            inner.send(peer, datagram);
            inner.send(peer, ByteBuffer.wrap(copy));
        }
    }

    @Test
    void bad_datagrams_are_rejected_counted_and_harmless() {
        long seed = Long.getLong("kiln.test.seed", System.nanoTime()); // -Dkiln.test.seed=N pins it
        SplittableRandom rnd = new SplittableRandom(seed);
        int n = 3000;
        InProcessDatagramFabric fabric = new InProcessDatagramFabric(RANKS, 0, seed);
        DuplicatingRecorder rank0 = new DuplicatingRecorder(fabric.endpoint(0));
        LossyOptions opt = LossyOptions.defaults().withPhaseDeadline(Duration.ofSeconds(2)).withJobId(77);
        LossyAllReduce[] group = new LossyAllReduce[RANKS];
        for (int r = 0; r < RANKS; r++) group[r] = new LossyAllReduce(r == 0 ? rank0 : fabric.endpoint(r), opt);
        float[][] inputs = new float[RANKS][n];
        for (float[] row : inputs) for (int i = 0; i < n; i++) row[i] = (float) rnd.nextDouble();

        // Step 0: clean except for rank 0's duplicates.
        Ranks.parallel(RANKS, r -> group[r].allReduceMean(0, 1, inputs[r].clone()));
        List<byte[]> replays;
        synchronized (rank0.toRank1) { replays = new ArrayList<>(rank0.toRank1); }

        // Before step 1, rank 1's inbox gets: step 0 replayed, random garbage, a truncated header, a bit-flipped
        // copy, and a well-formed datagram of another job.
        for (byte[] d : replays) fabric.inject(1, d);
        for (int i = 0; i < 5; i++) {
            byte[] junk = new byte[1 + rnd.nextInt(1400)];
            for (int j = 0; j < junk.length; j++) junk[j] = (byte) rnd.nextInt();
            fabric.inject(1, junk);
        }
        fabric.inject(1, new byte[12]);
        byte[] flipped = replays.get(0).clone();
        flipped[60] ^= 4;
        fabric.inject(1, flipped);
        ByteBuffer foreign = ByteBuffer.allocate(1472);
        new PacketCodec().encodeData(foreign, 78, 3, 1, (byte) 1, 0, 1, 1, 0, MemorySegment.ofArray(new float[358]), 0, 358);
        byte[] f = new byte[foreign.remaining()];
        foreign.get(f);
        fabric.inject(1, f);

        List<float[]> out = Ranks.parallel(RANKS, r -> {
            float[] d = inputs[r].clone();
            group[r].allReduceMean(1, 1, d);
            return d;
        });
        float[] mean = new float[n];
        for (int i = 0; i < n; i++) {
            float s = 0;
            for (float[] row : inputs) s += row[i];
            mean[i] = s / RANKS;
        }
        for (int r = 0; r < RANKS; r++) assertArrayEquals(mean, out.get(r), "rank " + r + " seed " + seed);

        var profile = group[1].profile();
        long replayedData = replays.stream().filter(d -> d[16] == 1).count();
        long stale = profile.rejected(Verdict.STALE);
        // Every replayed DATA datagram is stale; so may be rank 0's own duplicates that trail a finished phase.
        assertTrue(stale >= replayedData, "stale " + stale + " < replayed " + replayedData + ", seed " + seed);
        assertEquals(1, profile.rejected(Verdict.FOREIGN));
        assertTrue(profile.rejected(Verdict.CORRUPT) + profile.rejected(Verdict.TRUNCATED) >= 7,
                "garbage: " + profile.toJson().get("rejected") + " seed " + seed);
        // Rank 0 sent everything twice in both steps: one duplicate per DATA packet (END markers are idempotent).
        long dataFrom0 = (long) ((Number) ((java.util.Map<?, ?>) ((List<?>) profile.toJson().get("peers")).get(0)).get("received")).longValue();
        assertEquals(dataFrom0, profile.rejected(Verdict.DUPLICATE) + (stale - replayedData),
                "each of rank 0's second copies is counted once, as duplicate or (after the phase ended) stale");
        assertTrue(profile.toString().contains("rejected"), profile.toString());
        for (LossyAllReduce l : group) l.close();
    }
}
