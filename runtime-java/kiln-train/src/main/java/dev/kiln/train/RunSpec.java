package dev.kiln.train;

import dev.kiln.collective.lossy.LossPolicy;
import dev.kiln.collective.lossy.LossyOptions;

import java.time.Duration;

/**
 * One training run of an experiment.
 *
 * @param loss    packet loss probability p per datagram and directed pair, in [0, 1)
 * @param policy  what shard owners do about missing gradient contributions
 * @param seed    initialisation, data order and (in-process) loss pattern
 * @param phases  which phases lose packets ({@link LossPhases#BOTH} but for attribution experiments)
 * @param broadcastMomentum what a replica writes where a parameter packet is lost: 0 keeps the stale value (the
 *                paper's retention), β in (0, 1) predicts it from the last observed step
 *                ({@link LossyOptions#broadcastMomentum})
 * @param lossFromStep datagrams of earlier steps all arrive (attribution by training phase: loss after the warm-up);
 *                0 for loss from the start. In-process only.
 */
public record RunSpec(TrainPreset preset, int workers, double loss, LossPolicy policy, long seed, LossPhases phases,
                      double broadcastMomentum, int lossFromStep) {
    public RunSpec {
        if (preset == null) throw new IllegalArgumentException("preset = null");
        if (policy == null) throw new IllegalArgumentException("policy = null");
        if (phases == null) throw new IllegalArgumentException("phases = null");
        if (workers < 1 || workers > 64) throw new IllegalArgumentException("workers = " + workers + "; must be in [1, 64]");
        if (!(loss >= 0 && loss < 1)) throw new IllegalArgumentException("loss = " + loss + "; must be in [0, 1)");
        if (policy == LossPolicy.RELIABLE && phases != LossPhases.BOTH) {
            throw new IllegalArgumentException("phases = " + phases + "; the reliable policy (TCP) loses packets in every phase, only 'both' applies");
        }
        if (!(broadcastMomentum >= 0 && broadcastMomentum < 1)) {
            throw new IllegalArgumentException("broadcastMomentum = " + broadcastMomentum + "; must be in [0, 1)");
        }
        if (lossFromStep < 0) throw new IllegalArgumentException("lossFromStep = " + lossFromStep + "; must be >= 0");
    }

    /** Loss from the first step. */
    public RunSpec(TrainPreset preset, int workers, double loss, LossPolicy policy, long seed, LossPhases phases, double broadcastMomentum) {
        this(preset, workers, loss, policy, seed, phases, broadcastMomentum, 0);
    }

    /** Stale retention in the broadcast, as the paper. */
    public RunSpec(TrainPreset preset, int workers, double loss, LossPolicy policy, long seed, LossPhases phases) {
        this(preset, workers, loss, policy, seed, phases, 0.0);
    }

    /** Loss in every phase. */
    public RunSpec(TrainPreset preset, int workers, double loss, LossPolicy policy, long seed) {
        this(preset, workers, loss, policy, seed, LossPhases.BOTH);
    }

    /** The lossy collectives' settings for this run, the same for ranks as threads and as worker processes. */
    public LossyOptions lossyOptions() {
        return LossyOptions.defaults().withPolicy(policy).withAssumedLossRate(loss)
                .withPhaseDeadline(phaseDeadline(loss)).withBroadcastMomentum(broadcastMomentum);
    }

    /**
     * How long a phase waits for a peer. A phase ends early when every peer delivered or sent one of its six end
     * markers, or went quiet after a partial delivery (deadline / 8); the deadline itself only bounds the rare
     * case where all end markers are lost (p⁶ per link and phase). 4 s leaves a quiet window of 0.5 s, more
     * than the compute skew of four workers sharing two loaded cores. At p = 0 nothing is lost, so the
     * deadline is only a straggler guard.
     */
    private static Duration phaseDeadline(double loss) {
        return loss == 0 ? Duration.ofSeconds(60) : Duration.ofSeconds(4);
    }
}
