package dev.kiln.collective.telemetry;

import java.util.ArrayList;
import java.util.List;

/**
 * What one collective phase saw, per peer (index = peer rank; this rank's own entry is 0): DATA packets
 * sent to it, expected from it, received from it, arrived late from earlier phases, rejected as invalid
 * or duplicate, and whether it finished (all data or its end marker) before the deadline.
 */
public record PhaseReport(int rank, int seq, int step, String phase, long durationNanos, boolean deadlineExpired,
                          long[] sent, long[] expected, long[] received, long[] late, long[] invalid,
                          boolean[] finished) {

    public long totalExpected() { return sum(expected); }

    public long totalReceived() { return sum(received); }

    public long totalSent() { return sum(sent); }

    public long lost(int peer) { return expected[peer] - received[peer]; }

    /** Received over expected DATA packets; 1 when nothing was expected. */
    public double deliveredFraction() {
        long e = totalExpected();
        return e == 0 ? 1.0 : totalReceived() / (double) e;
    }

    /** Peers that neither delivered everything nor said they were done before the deadline (dead or late ranks). */
    public List<Integer> unfinishedPeers() {
        List<Integer> out = new ArrayList<>();
        for (int p = 0; p < finished.length; p++) if (!finished[p]) out.add(p);
        return out;
    }

    /** Peers from which nothing at all arrived although something was expected. */
    public List<Integer> silentPeers() {
        List<Integer> out = new ArrayList<>();
        for (int p = 0; p < expected.length; p++) if (expected[p] > 0 && received[p] == 0 && !finished[p]) out.add(p);
        return out;
    }

    private static long sum(long[] a) {
        long s = 0;
        for (long v : a) s += v;
        return s;
    }

    @Override
    public String toString() {
        return String.format("rank %d %s step %d: %d/%d packets (%.4f) in %.2f ms%s%s", rank, phase, step,
                totalReceived(), totalExpected(), deliveredFraction(), durationNanos / 1e6,
                deadlineExpired ? ", deadline expired" : "",
                unfinishedPeers().isEmpty() ? "" : ", unfinished peers " + unfinishedPeers());
    }
}
