package dev.kiln.train;

import dev.kiln.collective.lossy.LossPolicy;

/**
 * One training run of an experiment.
 *
 * @param loss    packet loss probability p per datagram and directed pair, in [0, 1)
 * @param policy  what shard owners do about missing gradient contributions
 * @param seed    initialisation, data order and (in-process) loss pattern
 * @param phases  which phases lose packets ({@link LossPhases#BOTH} but for attribution experiments)
 */
public record RunSpec(TrainPreset preset, int workers, double loss, LossPolicy policy, long seed, LossPhases phases) {
    public RunSpec {
        if (preset == null) throw new IllegalArgumentException("preset = null");
        if (policy == null) throw new IllegalArgumentException("policy = null");
        if (phases == null) throw new IllegalArgumentException("phases = null");
        if (workers < 1 || workers > 64) throw new IllegalArgumentException("workers = " + workers + "; must be in [1, 64]");
        if (!(loss >= 0 && loss < 1)) throw new IllegalArgumentException("loss = " + loss + "; must be in [0, 1)");
        if (policy == LossPolicy.RELIABLE && phases != LossPhases.BOTH) {
            throw new IllegalArgumentException("phases = " + phases + "; the reliable policy (TCP) loses packets in every phase, only 'both' applies");
        }
    }

    /** Loss in every phase. */
    public RunSpec(TrainPreset preset, int workers, double loss, LossPolicy policy, long seed) {
        this(preset, workers, loss, policy, seed, LossPhases.BOTH);
    }
}
