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
 * @param broadcastMomentum what a parameter broadcast writes where a packet is lost: 0 keeps the stale value (the
 *                         paper's retention); β in (0, 1) predicts it from the range's last observed step, decayed
 *                         by β per step ({@link MomentumRetention}; β = the optimiser's momentum, 0.9)
 */
public record LossyOptions(LossPolicy policy, Duration phaseDeadline, double assumedLossRate, int jobId, long stashBytes,
                           double broadcastMomentum) {
    public LossyOptions {
        if (policy == null) throw new IllegalArgumentException("policy must be set");
        if (phaseDeadline == null || phaseDeadline.isNegative() || phaseDeadline.isZero()) {
            throw new IllegalArgumentException("phaseDeadline must be positive, was " + phaseDeadline);
        }
        if (!(assumedLossRate >= 0 && assumedLossRate < 1)) {
            throw new IllegalArgumentException("assumedLossRate must be in [0, 1), was " + assumedLossRate);
        }
        if (stashBytes < 0) throw new IllegalArgumentException("stashBytes must be >= 0, was " + stashBytes);
        if (!(broadcastMomentum >= 0 && broadcastMomentum < 1)) {
            throw new IllegalArgumentException("broadcastMomentum must be in [0, 1), was " + broadcastMomentum);
        }
    }

    public static LossyOptions defaults() {
        return new LossyOptions(LossPolicy.RESCALE_BY_COUNT, Duration.ofSeconds(2), 0.0, 1, 256L << 20, 0.0);
    }

    public LossyOptions withPolicy(LossPolicy p) { return new LossyOptions(p, phaseDeadline, assumedLossRate, jobId, stashBytes, broadcastMomentum); }

    public LossyOptions withPhaseDeadline(Duration d) { return new LossyOptions(policy, d, assumedLossRate, jobId, stashBytes, broadcastMomentum); }

    public LossyOptions withAssumedLossRate(double p) { return new LossyOptions(policy, phaseDeadline, p, jobId, stashBytes, broadcastMomentum); }

    public LossyOptions withJobId(int id) { return new LossyOptions(policy, phaseDeadline, assumedLossRate, id, stashBytes, broadcastMomentum); }

    public LossyOptions withBroadcastMomentum(double beta) { return new LossyOptions(policy, phaseDeadline, assumedLossRate, jobId, stashBytes, beta); }
}
