package dev.kiln.collective.lossy;

import dev.kiln.collective.wire.DatagramFabric;
import dev.kiln.collective.wire.InProcessDatagramFabric;
import dev.kiln.collective.wire.Packet;
import dev.kiln.collective.wire.PacketCodec;
import dev.kiln.collective.wire.PacketKind;
import dev.kiln.collective.wire.Verdict;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Under the reliable policy a sender stays in a phase until every receiver said DONE. A receiver sends its
 * DONE six times; when all six are lost (at 20 % loss, 0.2^6 per receiver and phase: about one run in a hundred
 * of the reliable test) the sender used to wait out the whole phase deadline. It now probes with an end
 * marker, which a finished receiver answers with DONE.
 */
class LostDoneNotesTest {
    private static final int RANKS = 4;

    /** Rank {@code from}'s endpoint, except that its first {@code count} DONE notes to {@code to} are lost. */
    private static final class LosesFirstDones implements DatagramFabric {
        private final DatagramFabric inner;
        private final int to, jobId;
        private int toLose;
        private final PacketCodec codec = new PacketCodec();

        LosesFirstDones(DatagramFabric inner, int to, int count, int jobId) {
            this.inner = inner;
            this.to = to;
            this.toLose = count;
            this.jobId = jobId;
        }

        @Override public int rank() { return inner.rank(); }
        @Override public int size() { return inner.size(); }
        @Override public boolean receive(ByteBuffer into, long deadlineNanos) { return inner.receive(into, deadlineNanos); }
        @Override public int maxDatagramBytes() { return inner.maxDatagramBytes(); }
        @Override public void close() { inner.close(); }

        @Override
        public void send(int peer, ByteBuffer datagram) {
            Packet p = codec.decode(datagram.duplicate(), jobId, new Verdict[1]);
            if (peer == to && p != null && p.kind() == PacketKind.DONE && toLose > 0) {
                toLose--;
                return;
            }
            inner.send(peer, datagram);
        }
    }

    @Test
    void a_sender_whose_receivers_done_notes_were_all_lost_does_not_wait_out_the_deadline() {
        long deadlineMs = 20_000;
        LossyOptions options = LossyOptions.defaults().withPolicy(LossPolicy.RELIABLE).withPhaseDeadline(Duration.ofMillis(deadlineMs));
        InProcessDatagramFabric fabric = new InProcessDatagramFabric(RANKS, 0.0, 1);
        LossyAllReduce[] group = new LossyAllReduce[RANKS];
        for (int r = 0; r < RANKS; r++) {
            DatagramFabric end = fabric.endpoint(r);
            // Rank 1 loses every copy of its first DONE to rank 0 (the reduce-scatter), and of the next one (all-gather).
            group[r] = new LossyAllReduce(r == 1 ? new LosesFirstDones(end, 0, 12, options.jobId()) : end, options);
        }
        int n = 10_007;
        SplittableRandom rnd = new SplittableRandom(3);
        float[][] inputs = new float[RANKS][n];
        float[] sum = new float[n];
        for (int r = 0; r < RANKS; r++) for (int i = 0; i < n; i++) inputs[r][i] = (float) rnd.nextDouble(-1, 1);
        for (int i = 0; i < n; i++) {
            double s = 0;
            for (int r = 0; r < RANKS; r++) s += inputs[r][i];
            sum[i] = (float) s;
        }
        long start = System.nanoTime();
        List<float[]> out = Ranks.parallel(RANKS, r -> {
            float[] d = inputs[r].clone();
            group[r].allReduceSum(0, 3, MemorySegment.ofArray(d));
            group[r].close();
            return d;
        });
        double seconds = (System.nanoTime() - start) / 1e9;
        for (int r = 0; r < RANKS; r++) assertArrayEquals(out.get(0), out.get(r), "rank " + r);
        for (int i = 0; i < n; i++) assertTrue(Math.abs(out.get(0)[i] - sum[i]) <= 1e-5f, "element " + i);
        assertTrue(seconds < deadlineMs / 1000.0 / 10, "took " + seconds + " s: the sender waited for a DONE that was lost");
    }
}
