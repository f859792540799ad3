package dev.kiln.collective.lossy;

import java.time.Duration;

/**
 * Settings of the lossy collectives.
 *
 * @param policy           what an owner does with missing contributions
 * @param phaseDeadline    how long one phase (reduce-scatter, all-gather, broadcast) may wait for data;
 *                         what has not arrived by then counts as lost. A phase ends earlier as soon as
 *                         every peer delivered everything or sent its end marker.
 * @param assumedLossRate  p for {@link LossPolicy#RESCALE_BY_P} (ignored otherwise)
 * @param jobId            written into every datagram; datagrams of other jobs are rejected and counted
 * @param stashBytes       how many bytes of datagrams that belong to a later phase may be kept until it starts
 */
public record LossyOptions(LossPolicy policy, Duration phaseDeadline, double assumedLossRate, int jobId, long stashBytes) {
    public LossyOptions {
        if (policy == null) throw new IllegalArgumentException("policy must be set");
        if (phaseDeadline == null || phaseDeadline.isNegative() || phaseDeadline.isZero()) {
            throw new IllegalArgumentException("phaseDeadline must be positive, was " + phaseDeadline);
        }
        if (!(assumedLossRate >= 0 && assumedLossRate < 1)) {
            throw new IllegalArgumentException("assumedLossRate must be in [0, 1), was " + assumedLossRate);
        }
        if (stashBytes < 0) throw new IllegalArgumentException("stashBytes must be >= 0, was " + stashBytes);
    }

    public static LossyOptions defaults() {
        return new LossyOptions(LossPolicy.RESCALE_BY_COUNT, Duration.ofSeconds(2), 0.0, 1, 256L << 20);
    }

    public LossyOptions withPolicy(LossPolicy p) { return new LossyOptions(p, phaseDeadline, assumedLossRate, jobId, stashBytes); }

    public LossyOptions withPhaseDeadline(Duration d) { return new LossyOptions(policy, d, assumedLossRate, jobId, stashBytes); }

    public LossyOptions withAssumedLossRate(double p) { return new LossyOptions(policy, phaseDeadline, p, jobId, stashBytes); }

    public LossyOptions withJobId(int id) { return new LossyOptions(policy, phaseDeadline, assumedLossRate, id, stashBytes); }
}
