package dev.kiln.train;

import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * What the owner of a gradient shard does about contributions that did not arrive.
 * {@link #RESCALE_BY_COUNT} is the paper's unbiased rule; {@link #ZERO_FILL} the biased baseline;
 * {@link #RELIABLE} retransmits until everything arrives (the lossless reference, slower on a lossy link).
 */
public enum LossPolicy {
    /** Average over the contributions that arrived (the owner's own always does): unbiased. */
    RESCALE_BY_COUNT("rescale-by-count"),
    /** Scale each received contribution by 1/(1-p) and divide by W: unbiased, needs p, more variance. */
    RESCALE_BY_P("rescale-by-p"),
    /** Missing contributions count as zero and the sum is divided by W: shrinks the gradient by the delivered fraction. */
    ZERO_FILL("zero-fill"),
    /** Every packet is retransmitted until it arrives: exact averaging, no drift. */
    RELIABLE("reliable");

    private final String cliName;

    LossPolicy(String cliName) { this.cliName = cliName; }

    public String cliName() { return cliName; }

    public static LossPolicy parse(String name) {
        for (LossPolicy p : values()) if (p.cliName.equals(name.trim())) return p;
        throw new IllegalArgumentException("policy = '" + name + "'; allowed: "
                + Arrays.stream(values()).map(LossPolicy::cliName).collect(Collectors.joining(", ")));
    }
}
