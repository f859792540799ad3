package dev.kiln.collective.lossy;

import dev.kiln.collective.telemetry.CollectiveProfile;
import dev.kiln.collective.telemetry.PhaseReport;
import dev.kiln.collective.wire.DatagramFabric;
import dev.kiln.collective.wire.Packet;
import dev.kiln.collective.wire.PacketCodec;
import dev.kiln.collective.wire.PacketKind;
import dev.kiln.collective.wire.Verdict;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayDeque;
import java.util.BitSet;
import java.util.Iterator;
import java.util.concurrent.locks.LockSupport;

/**
 * One phase of a lossy collective over a {@link DatagramFabric}: this rank sends {@code out[peer]} to each
 * peer as datagrams followed by an end marker, and copies what arrives from each peer into
 * {@code in[peer]}, until every expected peer delivered everything or said it is done, or the deadline
 * passes. The algorithms (reduce-scatter, all-gather, broadcast, all-to-all) are geometries of this one
 * exchange; what to do with the holes is theirs to decide from the returned bitmaps.
 *
 * <p>Receiving: datagrams of this phase are checked (CRC, job, sender, chunk, offset, length, duplicate)
 * and copied; those of finished phases are counted late; those of the next few phases are stashed and
 * replayed when that phase starts (a fast owner's all-gather can arrive while this rank still
 * reduce-scatters). Sending interleaves with receiving so that socket buffers keep draining.
 *
 * <p>Not thread-safe: one exchange per rank, used by one thread, phases in the same order on every rank.
 */
public final class DatagramExchange implements AutoCloseable {
    private static final int SEND_BATCH = 16;
    private static final int END_COPIES = 6;
    private static final int MAX_PHASES_AHEAD = 8;
    private static final long BATCH_WAIT_NANOS = 200_000;
    private static final long MIN_QUIET_NANOS = 50_000_000;
    private static final long NACK_INTERVAL_NANOS = 10_000_000;
    private static final int MAX_NACK_DATAGRAMS = 8;
    private static final long MAX_NACK_BACKOFF_NANOS = 200_000_000;
    private static final int RETAINED_PHASES = 4;

    /** What this rank sent in a recent phase, kept to answer resend requests (reliable policy only). */
    private record Retained(int seq, int step, byte phase, int tensor, Span[] out, boolean[] done) {
        boolean settled(int rank) {
            for (int p = 0; p < out.length; p++) if (p != rank && out[p] != null && !done[p]) return false;
            return true;
        }
    }

    private final ArrayDeque<Retained> retained = new ArrayDeque<>();
    private boolean repair;

    private final DatagramFabric fabric;
    private final int rank;
    private final int size;
    private final int jobId;
    private final long stashLimit;
    private final int floatsPerPacket;
    private final PacketCodec codec = new PacketCodec();
    private final ByteBuffer sendBuf;
    private final ByteBuffer recvBuf;
    private final MemorySegment recvSeg;
    private final Verdict[] why = new Verdict[1];
    private final ArrayDeque<byte[]> stash = new ArrayDeque<>();
    private long stashed;
    private int nextSeq = 1;
    private final CollectiveProfile profile;

    // State of the phase in progress.
    private int seq;
    private Span[] in;
    private BitSet[] got;
    private long[] received, late, invalid;
    private boolean[] ended;
    private long[] lastArrival;
    private long[] nackAt, nackBackoff;

    public DatagramExchange(DatagramFabric fabric, int jobId, long stashLimitBytes, CollectiveProfile profile) {
        this.fabric = fabric;
        this.rank = fabric.rank();
        this.size = fabric.size();
        this.jobId = jobId;
        this.stashLimit = stashLimitBytes;
        this.profile = profile;
        int max = fabric.maxDatagramBytes();
        this.floatsPerPacket = (max - Packet.HEADER_BYTES) / Float.BYTES;
        this.sendBuf = ByteBuffer.allocateDirect(max).order(ByteOrder.LITTLE_ENDIAN);
        this.recvBuf = ByteBuffer.allocateDirect(Packet.MAX_DATAGRAM_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        this.recvSeg = MemorySegment.ofBuffer(recvBuf);
    }

    public int rank() { return rank; }

    public int size() { return size; }

    public int floatsPerPacket() { return floatsPerPacket; }

    public CollectiveProfile profile() { return profile; }

    /** Result of one phase: the report and, per peer, which packet indices of its span arrived. */
    public record Result(PhaseReport report, BitSet[] arrived) {}

    /**
     * Runs one phase. {@code out[p]} / {@code in[p]} null means nothing is sent to / expected from p;
     * entries for this rank are ignored. Every rank must run the same phases in the same order, with
     * matching geometry (what p sends to q is what q expects from p).
     */
    public Result exchange(int step, byte phase, String phaseName, int tensor, Span[] out, Span[] in, long deadlineNanos) {
        return exchange(step, phase, phaseName, tensor, out, in, deadlineNanos, false);
    }

    /**
     * With {@code repair}, the phase needs every packet: end markers and silence no longer end it, and
     * missing packets are requested again (NACK) until they arrive or the deadline passes. The sender
     * keeps serving such requests for its last few phases, so {@code out}'s memory must stay unchanged
     * until every rank has finished the phase (true for the allreduce, whose input is only overwritten at
     * the end of the step, and for the sharded path as long as the caller leaves the gradients alone until
     * {@code broadcastParameters} returns).
     */
    public Result exchange(int step, byte phase, String phaseName, int tensor, Span[] out, Span[] in, long deadlineNanos,
                           boolean repair) {
        long start = System.nanoTime();
        long deadline = start + deadlineNanos;
        this.seq = nextSeq++;
        this.repair = repair;
        if (repair) {
            retained.addLast(new Retained(seq, step, phase, tensor, out, new boolean[size]));
            if (retained.size() > RETAINED_PHASES) retained.removeFirst();
        }
        this.in = in;
        this.got = new BitSet[size];
        this.received = new long[size];
        this.late = new long[size];
        this.invalid = new long[size];
        this.ended = new boolean[size];
        this.lastArrival = new long[size];
        long[] sent = new long[size];
        long[] expected = new long[size];
        for (int p = 0; p < size; p++) {
            if (p != rank && in[p] != null) {
                got[p] = new BitSet();
                expected[p] = packets(in[p].length());
            } else {
                ended[p] = true;
            }
        }
        replayStash();

        int maxPackets = 0;
        for (int p = 0; p < size; p++) if (p != rank && out[p] != null) maxPackets = Math.max(maxPackets, packets(out[p].length()));
        int sinceDrain = 0;
        for (int k = 0; k < maxPackets; k++) {
            for (int i = 1; i < size; i++) {
                int peer = (rank + i) % size;
                Span s = out[peer];
                if (s == null || k >= packets(s.length())) continue;
                int offset = k * floatsPerPacket;
                int floats = Math.min(floatsPerPacket, s.length() - offset);
                fabric.send(peer, codec.encodeData(sendBuf, jobId, seq, step, phase, rank, tensor, s.chunk(), offset,
                        s.segment(), s.first() + offset, floats));
                sent[peer]++;
                if (++sinceDrain == SEND_BATCH) {
                    sinceDrain = 0;
                    drain(0);
                }
            }
        }
        for (int copy = 0; copy < END_COPIES; copy++) {
            for (int i = 1; i < size; i++) {
                int peer = (rank + i) % size;
                if (out[peer] == null) continue;
                fabric.send(peer, codec.encodeEnd(sendBuf, jobId, seq, step, phase, rank, tensor, out[peer].chunk(), (int) sent[peer]));
            }
        }
        fabric.flush(); // a fabric that batches sends (UDP GSO) may still hold the last burst and the markers
        boolean expired = false;
        long quiet = Math.max(MIN_QUIET_NANOS, deadlineNanos / 8);
        boolean doneSent = false;
        nackAt = new long[size];
        nackBackoff = new long[size];
        java.util.Arrays.fill(nackBackoff, NACK_INTERVAL_NANOS);
        Retained mine = repair ? retained.peekLast() : null;
        long probeAt = start + NACK_INTERVAL_NANOS, probeBackoff = NACK_INTERVAL_NANOS;
        while (true) {
            drain(0); // what already waits in the socket buffer is not silence
            if (repair && complete() && !doneSent) {
                sendDone(step, phase, tensor);
                doneSent = true;
            }
            // Under repair a rank also stays until its receivers have everything: it owes them resends, and
            // once it returns it may block elsewhere (a barrier) where it would not hear their requests.
            if (complete() && (!repair || mine.settled(rank))) break;
            long now = System.nanoTime();
            if (now >= deadline) {
                expired = true;
                break;
            }
            long wake = deadline;
            if (repair) {
                if (!complete()) {
                    requestMissing(step, phase, tensor, now, now - start >= deadlineNanos / 4);
                } else if (now >= probeAt) { // all in, but some receiver's DONE copies may all have been lost
                    probeUnsettled(mine);
                    probeAt = now + probeBackoff;
                    probeBackoff = Math.min(2 * probeBackoff, MAX_NACK_BACKOFF_NANOS);
                }
                wake = Math.min(wake, now + NACK_INTERVAL_NANOS);
            } else {
                // A peer that delivered part of its data and then went quiet has almost surely finished and lost
                // its end markers with its last packets (loss can be bursty, e.g. a full socket buffer): stop
                // waiting for it long before the deadline, which is kept for peers that sent nothing at all.
                for (int p = 0; p < size; p++) {
                    if (ended[p] || lastArrival[p] == 0 || received[p] >= packets(in[p].length())) continue;
                    if (now - lastArrival[p] >= quiet) ended[p] = true;
                    else wake = Math.min(wake, lastArrival[p] + quiet);
                }
                if (complete()) break;
            }
            if (fabric.receive(recvBuf, wake)) {
                handle(recvBuf);
                drain(0);
                // Let a batch accumulate instead of waking up once per datagram: on a busy machine the
                // per-wakeup cost, not the per-datagram cost, bounds throughput.
                if (!complete()) LockSupport.parkNanos(BATCH_WAIT_NANOS);
            }
        }
        fabric.flush(); // DONE notes and resends must not wait in a staging buffer while this rank computes
        boolean[] finished = new boolean[size];
        for (int p = 0; p < size; p++) finished[p] = p == rank || in[p] == null || ended[p] || received[p] == expected[p];
        PhaseReport report = new PhaseReport(rank, seq, step, phaseName, System.nanoTime() - start, expired,
                sent, expected, received.clone(), late, invalid, finished);
        profile.record(report);
        BitSet[] arrived = got;
        this.in = null;
        this.got = null;
        return new Result(report, arrived);
    }

    private int packets(int floats) { return (floats + floatsPerPacket - 1) / floatsPerPacket; }

    private boolean complete() {
        for (int p = 0; p < size; p++) {
            if (p == rank || in[p] == null) continue;
            if ((repair || !ended[p]) && received[p] < packets(in[p].length())) return false;
        }
        return true;
    }

    /** Tells every peer this rank received from that it has all of this phase (several copies: they may be lost). */
    private void sendDone(int step, byte phase, int tensor) {
        for (int copy = 0; copy < END_COPIES; copy++) {
            for (int p = 0; p < size; p++) {
                if (p != rank && in[p] != null) fabric.send(p, codec.encodeDone(sendBuf, jobId, seq, step, phase, rank, tensor));
            }
        }
    }

    /**
     * Sends an end marker again to every receiver of {@code r} that has not said DONE. A receiver answers an end
     * marker of a phase it has finished with DONE, so a sender whose receivers' DONE copies were all lost (at
     * 20 % loss, 0.2^6 per receiver and phase) learns it anyway instead of waiting out the phase deadline.
     */
    private void probeUnsettled(Retained r) {
        Span[] out = r.out();
        for (int p = 0; p < size; p++) {
            if (p == rank || out[p] == null || r.done()[p]) continue;
            fabric.send(p, codec.encodeEnd(sendBuf, jobId, r.seq(), r.step(), r.phase(), rank, r.tensor(), out[p].chunk(),
                    packets(out[p].length())));
        }
    }

    /**
     * Asks every peer that has finished sending (its end marker came, or it went quiet after sending) for
     * the packets still missing from it; a peer that has sent nothing yet is asked only once the phase is a
     * quarter through its deadline. Requests to one peer back off exponentially (10 ms doubling to 200 ms,
     * reset whenever its data arrives) so that a slow peer is not flooded with requests it answers twice.
     */
    private void requestMissing(int step, byte phase, int tensor, long now, boolean late) {
        int perDatagram = (fabric.maxDatagramBytes() - Packet.HEADER_BYTES) / Integer.BYTES;
        int[] idx = new int[perDatagram];
        for (int p = 0; p < size; p++) {
            if (p == rank || in[p] == null) continue;
            int want = packets(in[p].length());
            if (received[p] >= want) continue;
            if (now < nackAt[p]) continue;
            boolean doneSending = ended[p] || (lastArrival[p] != 0 && now - lastArrival[p] >= NACK_INTERVAL_NANOS);
            if (!doneSending && !late) continue;
            nackAt[p] = now + nackBackoff[p];
            nackBackoff[p] = Math.min(2 * nackBackoff[p], MAX_NACK_BACKOFF_NANOS);
            int n = 0, datagrams = 0;
            for (int k = got[p].nextClearBit(0); k < want && datagrams < MAX_NACK_DATAGRAMS; k = got[p].nextClearBit(k + 1)) {
                idx[n++] = k;
                if (n == perDatagram) {
                    fabric.send(p, codec.encodeNack(sendBuf, jobId, seq, step, phase, rank, tensor, in[p].chunk(), idx, n));
                    n = 0;
                    datagrams++;
                }
            }
            if (n > 0) fabric.send(p, codec.encodeNack(sendBuf, jobId, seq, step, phase, rank, tensor, in[p].chunk(), idx, n));
            profile.nackSent(p);
        }
    }

    /** One DONE for the phase of end marker {@code p}, to its sender. */
    private void answerDone(Packet p) {
        fabric.send(p.sender(), codec.encodeDone(sendBuf, jobId, p.seq(), p.step(), p.phase(), rank, p.tensor()));
    }

    /** Resends what a peer asks for, from the phase's retained spans. */
    private void serveNack(Packet p, ByteBuffer d) {
        int s = p.sender();
        Retained r = null;
        for (Retained x : retained) if (x.seq() == p.seq()) r = x;
        if (r == null || r.out()[s] == null || r.out()[s].chunk() != p.chunk()) {
            profile.reject(r == null ? Verdict.STALE : Verdict.INVALID, s);
            return;
        }
        Span span = r.out()[s];
        int have = packets(span.length());
        int count = p.length() / Integer.BYTES;
        int[] ks = new int[count];
        for (int i = 0; i < count; i++) ks[i] = d.getInt(Packet.HEADER_BYTES + i * Integer.BYTES);
        int resent = 0;
        for (int k : ks) {
            if (k < 0 || k >= have) continue;
            int offset = k * floatsPerPacket;
            int floats = Math.min(floatsPerPacket, span.length() - offset);
            fabric.send(s, codec.encodeData(sendBuf, jobId, r.seq(), r.step(), r.phase(), rank, r.tensor(), span.chunk(), offset,
                    span.segment(), span.first() + offset, floats));
            resent++;
        }
        profile.retransmitted(s, resent);
    }

    /** Handles every datagram available now; if none is, waits for one until {@code deadline} (0: no wait). */
    private void drain(long deadline) {
        boolean first = true;
        while (fabric.receive(recvBuf, first ? deadline : 0)) {
            first = false;
            handle(recvBuf);
        }
    }

    private void handle(ByteBuffer d) {
        Packet p = codec.decode(d, jobId, why);
        if (p == null) {
            profile.reject(why[0], -1);
            return;
        }
        if (p.sender() >= size || p.sender() == rank) {
            profile.reject(Verdict.INVALID, -1);
            return;
        }
        int s = p.sender();
        if (p.kind() == PacketKind.NACK) {
            serveNack(p, d);
            return;
        }
        if (p.kind() == PacketKind.DONE) {
            for (Retained x : retained) if (x.seq() == p.seq()) x.done()[s] = true;
            if (p.seq() > seq) stashCopy(d, s); // a fast peer's note for a phase this rank has not started
            return;
        }
        if (p.seq() < seq) {
            if (p.kind() == PacketKind.END) { // a marker of a phase already over: extra copies, or a sender's probe
                if (repair) answerDone(p); // leaving a repair phase means everything of it arrived
                return;
            }
            late[s]++;
            profile.reject(Verdict.STALE, s);
            return;
        }
        if (p.seq() > seq) {
            stashCopy(d, s);
            return;
        }
        Span span = in[s];
        if (span == null) {
            reject(Verdict.INVALID, s);
            return;
        }
        if (p.kind() == PacketKind.END) {
            ended[s] = true;
            if (repair && received[s] >= packets(span.length())) answerDone(p); // a probe: this rank has it all
            return;
        }
        int offset = p.offset();
        if (p.chunk() != span.chunk() || offset < 0 || offset >= span.length() || offset % floatsPerPacket != 0
                || p.length() != Float.BYTES * Math.min(floatsPerPacket, span.length() - offset)) {
            reject(Verdict.INVALID, s);
            return;
        }
        int k = offset / floatsPerPacket;
        if (got[s].get(k)) {
            reject(Verdict.DUPLICATE, s);
            return;
        }
        got[s].set(k);
        received[s]++;
        lastArrival[s] = System.nanoTime();
        if (nackBackoff != null) nackBackoff[s] = NACK_INTERVAL_NANOS;
        MemorySegment.copy(recvSeg, ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), Packet.HEADER_BYTES,
                span.segment(), ValueLayout.JAVA_FLOAT_UNALIGNED, (span.first() + offset) * Float.BYTES, p.length() / Float.BYTES);
    }

    private void stashCopy(ByteBuffer d, int sender) {
        int dseq = d.getInt(8);
        if (dseq - seq <= MAX_PHASES_AHEAD && stashed + d.limit() <= stashLimit) {
            byte[] copy = new byte[d.limit()];
            d.get(0, copy);
            stash.add(copy);
            stashed += copy.length;
        } else {
            profile.reject(Verdict.AHEAD, sender);
        }
    }

    private void reject(Verdict v, int sender) {
        invalid[sender]++;
        profile.reject(v, sender);
    }

    private void replayStash() {
        if (stash.isEmpty()) return;
        int n = stash.size();
        Iterator<byte[]> it = stash.iterator();
        for (int i = 0; i < n && it.hasNext(); i++) {
            byte[] d = it.next();
            int dseq = ByteBuffer.wrap(d).order(ByteOrder.LITTLE_ENDIAN).getInt(8);
            if (dseq > seq) continue;
            it.remove();
            stashed -= d.length;
            recvBuf.clear();
            recvBuf.put(d).flip();
            handle(recvBuf);
        }
    }

    /**
     * Under the reliable policy, keeps answering resend requests until every receiver of the retained
     * phases said it has everything, or {@code lingerNanos} pass: the last phase of a run has no later
     * phase in which this rank would otherwise hear them.
     */
    public void linger(long lingerNanos) {
        long until = System.nanoTime() + lingerNanos;
        long probeAt = System.nanoTime() + NACK_INTERVAL_NANOS, probeBackoff = NACK_INTERVAL_NANOS;
        while (System.nanoTime() < until) {
            boolean settled = true;
            for (Retained r : retained) settled &= r.settled(rank);
            if (settled) break;
            if (System.nanoTime() >= probeAt) {
                for (Retained r : retained) if (!r.settled(rank)) probeUnsettled(r);
                probeAt = System.nanoTime() + probeBackoff;
                probeBackoff = Math.min(2 * probeBackoff, MAX_NACK_BACKOFF_NANOS);
            }
            if (fabric.receive(recvBuf, Math.min(until, System.nanoTime() + NACK_INTERVAL_NANOS))) {
                if (this.in == null) handleIdle(recvBuf);
            }
        }
        fabric.flush();
    }

    /** Between phases only resend requests and completion notes matter; data of later phases is stashed. */
    private void handleIdle(ByteBuffer d) {
        int phaseSeq = seq;
        this.seq = nextSeq; // the finished phase's own packets now count as late
        this.in = new Span[size];
        this.got = new BitSet[size];
        this.received = new long[size];
        this.late = new long[size];
        this.invalid = new long[size];
        this.ended = new boolean[size];
        this.lastArrival = new long[size];
        handle(d);
        this.in = null;
        this.seq = phaseSeq;
    }

    @Override
    public void close() {
        fabric.close();
    }
}
