package dev.kiln.train;

import dev.kiln.collective.lossy.LossyPhase;

import java.util.EnumSet;
import java.util.Set;

/**
 * Where a training run's packet loss applies: everywhere (the real experiment), or only in the gradient
 * reduce-scatter, or only in the parameter broadcast (attribution: which phase costs the perplexity).
 */
public enum LossPhases {
    BOTH("both"),
    REDUCE_SCATTER("reduce-scatter"),
    BROADCAST("broadcast");

    private final String cliName;

    LossPhases(String cliName) { this.cliName = cliName; }

    public String cliName() { return cliName; }

    /** The collective phases whose datagrams may be lost. */
    public Set<LossyPhase> phases() {
        return switch (this) {
            case BOTH -> EnumSet.allOf(LossyPhase.class);
            case REDUCE_SCATTER -> EnumSet.of(LossyPhase.REDUCE_SCATTER);
            case BROADCAST -> EnumSet.of(LossyPhase.BROADCAST);
        };
    }

    public static LossPhases parse(String name) {
        for (LossPhases p : values()) if (p.cliName.equals(name) || p.name().equalsIgnoreCase(name)) return p;
        throw new IllegalArgumentException("loss phase = '" + name + "'; allowed: both, reduce-scatter, broadcast");
    }

    @Override
    public String toString() { return cliName; }
}
