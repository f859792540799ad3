package dev.kiln.attention.model;

import java.util.EnumMap;
import java.util.Map;

/** Wall time one rank spends in each phase of a decode step, summed over steps. */
public final class PhaseTimes {
    public enum Phase { QKV, ATTENTION, ALL_TO_ALL, MERGE, W_O, FFN, LM_HEAD }

    private final long[] nanos = new long[Phase.values().length];

    public void add(Phase p, long ns) { nanos[p.ordinal()] += ns; }

    public long nanos(Phase p) { return nanos[p.ordinal()]; }

    public void reset() { java.util.Arrays.fill(nanos, 0); }

    /** Milliseconds per step for each phase. */
    public Map<Phase, Double> perStepMillis(int steps) {
        Map<Phase, Double> m = new EnumMap<>(Phase.class);
        for (Phase p : Phase.values()) m.put(p, nanos[p.ordinal()] / 1e6 / Math.max(1, steps));
        return m;
    }
}
