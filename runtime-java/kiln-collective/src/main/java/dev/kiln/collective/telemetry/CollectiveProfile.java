package dev.kiln.collective.telemetry;

import dev.kiln.collective.wire.Verdict;
import org.HdrHistogram.Histogram;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Everything one rank's collectives did: per operation (count, bytes, latency histogram), per phase
 * (latency histogram, packets), per peer (packets sent / expected / received / lost / late / invalid),
 * rejected datagrams by reason, and the most recent phase reports. Printable as a table and as JSON
 * (a plain map for Jackson). Thread-safe (one lock), cheap next to a network phase.
 */
public final class CollectiveProfile {
    private static final int HISTORY = 4096;
    private static final long MAX_MICROS = 3_600_000_000L;

    private final int rank;
    private final int size;
    private final Map<String, Op> ops = new TreeMap<>();
    private final Map<String, Histogram> phaseMicros = new TreeMap<>();
    private final long[] sent, expected, received, late, invalid;
    private final EnumMap<Verdict, Long> rejects = new EnumMap<>(Verdict.class);
    private final ArrayDeque<PhaseReport> recent = new ArrayDeque<>();
    private long phases, phasesExpired;
    private final long[] nacksSent, retransmitted;

    private static final class Op {
        long count, bytes;
        final Histogram micros = new Histogram(MAX_MICROS, 3);
    }

    public CollectiveProfile(int rank, int size) {
        this.rank = rank;
        this.size = size;
        sent = new long[size];
        expected = new long[size];
        received = new long[size];
        late = new long[size];
        invalid = new long[size];
        nacksSent = new long[size];
        retransmitted = new long[size];
    }

    /** This rank asked {@code peer} to resend (reliable policy). */
    public synchronized void nackSent(int peer) { nacksSent[peer]++; }

    /** This rank resent {@code packets} packets that {@code peer} asked for. */
    public synchronized void retransmitted(int peer, int packets) { retransmitted[peer] += packets; }

    public synchronized long totalRetransmitted() { long s = 0; for (long v : retransmitted) s += v; return s; }

    public synchronized void record(PhaseReport r) {
        phases++;
        if (r.deadlineExpired()) phasesExpired++;
        phaseMicros.computeIfAbsent(r.phase(), k -> new Histogram(MAX_MICROS, 3)).recordValue(micros(r.durationNanos()));
        for (int p = 0; p < size; p++) {
            sent[p] += r.sent()[p];
            expected[p] += r.expected()[p];
            received[p] += r.received()[p];
        }
        recent.addLast(r);
        if (recent.size() > HISTORY) recent.removeFirst();
    }

    /** A rejected datagram; {@code sender} is -1 when the header could not be trusted. */
    public synchronized void reject(Verdict why, int sender) {
        rejects.merge(why, 1L, Long::sum);
        if (sender >= 0 && sender < size) {
            if (why == Verdict.STALE) late[sender]++;
            else invalid[sender]++;
        }
    }

    public synchronized void recordOp(String op, long bytes, long nanos) {
        Op o = ops.computeIfAbsent(op, k -> new Op());
        o.count++;
        o.bytes += bytes;
        o.micros.recordValue(micros(nanos));
    }

    private static long micros(long nanos) { return Math.min(MAX_MICROS, Math.max(0, nanos / 1000)); }

    public synchronized long rejected(Verdict why) { return rejects.getOrDefault(why, 0L); }

    public synchronized long totalExpected() { long s = 0; for (long v : expected) s += v; return s; }

    public synchronized long totalReceived() { long s = 0; for (long v : received) s += v; return s; }

    /** Received over expected DATA packets over the whole run. */
    public synchronized double deliveredFraction() {
        long e = totalExpected();
        return e == 0 ? 1.0 : totalReceived() / (double) e;
    }

    public synchronized List<PhaseReport> recentPhases() { return new ArrayList<>(recent); }

    /** The JSON view: a tree of maps, lists and numbers. */
    public synchronized Map<String, Object> toJson() {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("rank", rank);
        root.put("size", size);
        root.put("phases", phases);
        root.put("phasesPastDeadline", phasesExpired);
        root.put("deliveredFraction", deliveredFraction());
        Map<String, Object> opMap = new LinkedHashMap<>();
        ops.forEach((name, o) -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("count", o.count);
            m.put("bytes", o.bytes);
            m.put("latencyMicros", histogram(o.micros));
            opMap.put(name, m);
        });
        root.put("ops", opMap);
        Map<String, Object> ph = new LinkedHashMap<>();
        phaseMicros.forEach((name, h) -> ph.put(name, histogram(h)));
        root.put("phaseLatencyMicros", ph);
        List<Map<String, Object>> peers = new ArrayList<>();
        for (int p = 0; p < size; p++) {
            if (p == rank) continue;
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("peer", p);
            m.put("sent", sent[p]);
            m.put("expected", expected[p]);
            m.put("received", received[p]);
            m.put("lost", expected[p] - received[p]);
            m.put("late", late[p]);
            m.put("invalid", invalid[p]);
            m.put("resendRequestsSent", nacksSent[p]);
            m.put("packetsResent", retransmitted[p]);
            peers.add(m);
        }
        root.put("peers", peers);
        Map<String, Long> rj = new LinkedHashMap<>();
        rejects.forEach((k, v) -> rj.put(k.name().toLowerCase(Locale.ROOT), v));
        root.put("rejected", rj);
        List<Map<String, Object>> last = new ArrayList<>();
        recent.stream().skip(Math.max(0, recent.size() - 4)).forEach(r -> last.add(phase(r)));
        root.put("lastPhases", last);
        return root;
    }

    /** One phase, per peer: the per-step telemetry as JSON. */
    public static Map<String, Object> phase(PhaseReport r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("step", r.step());
        m.put("phase", r.phase());
        m.put("millis", r.durationNanos() / 1e6);
        m.put("deadlineExpired", r.deadlineExpired());
        m.put("deliveredFraction", r.deliveredFraction());
        m.put("sent", r.sent());
        m.put("expected", r.expected());
        m.put("received", r.received());
        m.put("late", r.late());
        m.put("invalid", r.invalid());
        m.put("unfinishedPeers", r.unfinishedPeers());
        return m;
    }

    private static Map<String, Object> histogram(Histogram h) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("count", h.getTotalCount());
        m.put("p50", h.getValueAtPercentile(50));
        m.put("p90", h.getValueAtPercentile(90));
        m.put("p99", h.getValueAtPercentile(99));
        m.put("max", h.getMaxValue());
        m.put("mean", h.getMean());
        return m;
    }

    /** Human-readable profile, printed at exit by the CLI. */
    @Override
    public synchronized String toString() {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "collective profile, rank %d of %d: %d phases (%d past deadline), delivered %.4f%n",
                rank, size, phases, phasesExpired, deliveredFraction()));
        ops.forEach((name, o) -> sb.append(String.format(Locale.ROOT, "  op %-22s count %6d  bytes %12d  p50 %9.3f ms  p99 %9.3f ms  max %9.3f ms%n",
                name, o.count, o.bytes, o.micros.getValueAtPercentile(50) / 1e3, o.micros.getValueAtPercentile(99) / 1e3,
                o.micros.getMaxValue() / 1e3)));
        phaseMicros.forEach((name, h) -> sb.append(String.format(Locale.ROOT, "  phase %-19s count %6d  p50 %9.3f ms  p99 %9.3f ms  max %9.3f ms%n",
                name, h.getTotalCount(), h.getValueAtPercentile(50) / 1e3, h.getValueAtPercentile(99) / 1e3, h.getMaxValue() / 1e3)));
        for (int p = 0; p < size; p++) {
            if (p == rank) continue;
            sb.append(String.format(Locale.ROOT, "  peer %d: sent %d  expected %d  received %d  lost %d  late %d  invalid %d%n",
                    p, sent[p], expected[p], received[p], expected[p] - received[p], late[p], invalid[p]));
        }
        if (!rejects.isEmpty()) sb.append("  rejected: ").append(rejects).append('\n');
        return sb.toString();
    }
}
