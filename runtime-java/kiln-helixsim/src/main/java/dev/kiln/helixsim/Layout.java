package dev.kiln.helixsim;

import static dev.kiln.helixsim.Checks.positive;

/**
 * One parallel layout and batch: {@code pp} pipeline stages, each of
 * {@code dpa × kvp × tpa} GPUs in the attention phase, and an FFN grid of {@code tpf × ep} GPUs, which
 * is the whole stage for every strategy except Medha-style KVP (one TP group of {@code tpa} GPUs).
 * {@code batch} is the number of requests in one pipeline stage's micro-batch; with pipelining
 * {@code pp × batch} requests are in flight.
 */
public record Layout(Strategy strategy, int pp, int dpa, int kvp, int tpa, int tpf, int ep, int batch) {
    public Layout {
        if (strategy == null) throw new IllegalArgumentException("layout.strategy is missing");
        positive("pp", pp);
        positive("dpa", dpa);
        positive("kvp", kvp);
        positive("tpa", tpa);
        positive("tpf", tpf);
        positive("ep", ep);
        positive("batch", batch);
        int stage = dpa * kvp * tpa;
        int ffnGroup = strategy == Strategy.MEDHA_KVP ? tpa : stage;
        if (tpf * ep != ffnGroup) {
            throw new IllegalArgumentException("tpf × ep = " + tpf + " × " + ep + ": must equal the FFN group of " + ffnGroup
                    + " GPUs for " + strategy.label());
        }
        if (batch % dpa != 0) {
            throw new IllegalArgumentException("batch = " + batch + ": must be a multiple of dpa = " + dpa);
        }
        switch (strategy) {
            case HELIX -> { if (pp != 1 || dpa != 1) throw new IllegalArgumentException("Helix layouts have pp = dpa = 1, got pp = " + pp + ", dpa = " + dpa); }
            case TP -> { if (dpa != 1 || kvp != 1) throw new IllegalArgumentException("TP layouts have dpa = kvp = 1, got dpa = " + dpa + ", kvp = " + kvp); }
            case DP_ATTENTION -> { if (kvp != 1) throw new IllegalArgumentException("DP-attention layouts have kvp = 1, got " + kvp); }
            case MEDHA_KVP -> { if (dpa != 1) throw new IllegalArgumentException("Medha-style KVP layouts have dpa = 1, got " + dpa); }
        }
    }

    /** GPUs in one pipeline stage. */
    public int stageGpus() { return dpa * kvp * tpa; }

    /** GPUs in the FFN group (tpf × ep). */
    public int ffnGpus() { return tpf * ep; }

    /** All GPUs. */
    public int gpus() { return pp * stageGpus(); }

    /** Requests in flight: every pipeline stage holds its own micro-batch. */
    public int users() { return pp * batch; }

    /** Requests whose attention one GPU works on. */
    public int attentionBatch() { return batch / dpa; }

    public String describe() {
        StringBuilder s = new StringBuilder(strategy.label()).append(' ');
        switch (strategy) {
            case HELIX -> s.append("KVP").append(kvp).append("×TPA").append(tpa);
            case TP -> s.append("TP").append(tpa);
            case DP_ATTENTION -> s.append("DP").append(dpa).append("×TPA").append(tpa);
            case MEDHA_KVP -> s.append("KVP").append(kvp).append("×TP").append(tpa);
        }
        s.append(" FFN TPF").append(tpf);
        if (ep > 1) s.append("×EP").append(ep);
        if (pp > 1) s.append(" PP").append(pp);
        return s.append(" B=").append(batch).toString();
    }
}
