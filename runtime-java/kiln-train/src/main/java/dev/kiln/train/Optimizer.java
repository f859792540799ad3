package dev.kiln.train;

/**
 * An optimiser that owns one contiguous shard {@code [from, to)} of the flat parameter vector and keeps state
 * for that shard only (the owner-side update of the sharded data-parallel step, as ZeRO-1).
 */
public interface Optimizer {
    /** One update of {@code params[from, to)} from {@code shardGrad[0, to - from)} at learning rate {@code lr}. */
    void step(float[] params, float[] shardGrad, double lr);

    /** Which optimiser a run uses; the preset carries it so that lossless and lossy runs share it. */
    enum Kind {
        /** {@link AdamW}, betas (0.9, 0.95), eps 1e-8, decoupled weight decay. */
        ADAMW("adamw"),
        /** {@link SgdMomentum}, heavy-ball momentum 0.9: the update scales with the gradient, so a shrunk gradient is a smaller step. */
        SGD("sgd");

        private final String cliName;

        Kind(String cliName) { this.cliName = cliName; }

        public String cliName() { return cliName; }

        public static Kind parse(String name) {
            for (Kind k : values()) if (k.cliName.equals(name) || k.name().equalsIgnoreCase(name)) return k;
            throw new IllegalArgumentException("optimizer = '" + name + "'; allowed: adamw, sgd");
        }

        @Override
        public String toString() { return cliName; }
    }

    /** Refuses a shard {@code [from, to)} outside a parameter vector of {@code length} floats. */
    static void checkShard(int from, int to, int length) {
        if (from < 0 || to < from || to > length) {
            throw new IllegalArgumentException("shard [" + from + ", " + to + ") is not inside [0, " + length + ")");
        }
    }

    /** The optimiser for rank's shard {@code [from, to)}, as {@code preset} says. */
    static Optimizer of(TrainPreset preset, int from, int to, boolean[] decayMask) {
        return switch (preset.optimizer()) {
            case ADAMW -> new AdamW(from, to, decayMask, new AdamW.Hyper(preset.lr(), 0.9, 0.95, 1e-8, preset.weightDecay()));
            case SGD -> new SgdMomentum(from, to, decayMask, new SgdMomentum.Hyper(0.9, preset.weightDecay()));
        };
    }
}
