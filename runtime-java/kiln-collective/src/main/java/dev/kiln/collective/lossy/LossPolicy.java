package dev.kiln.collective.lossy;

import java.util.Arrays;

/**
 * What an owner does with the contributions that did not arrive for a chunk of its shard. Write
 * {@code s} for the sum of the contributions that arrived (its own always does), {@code c} for how many
 * did, {@code n} for the group size and {@code p} for the assumed loss rate.
 */
public enum LossPolicy {
    /** {@code s / c}: unbiased for the mean gradient when all ranks' gradients share an expectation (the paper's rule). Default. */
    RESCALE_BY_COUNT("rescale-by-count"),
    /** {@code (own + others / (1 - p)) / n}: unbiased for the mean with p known; higher variance than by-count. */
    RESCALE_BY_P("rescale-by-p"),
    /** {@code s / n}: missing contributions count as zero; biased, shrinks the mean by about {@code 1 - p}. */
    ZERO_FILL("zero-fill"),
    /** {@code s / n} and every contribution required: a phase missing any fails at its deadline, naming the ranks. */
    RELIABLE("reliable");

    private final String cliName;

    LossPolicy(String cliName) { this.cliName = cliName; }

    public String cliName() { return cliName; }

    public static LossPolicy parse(String name) {
        for (LossPolicy p : values()) if (p.cliName.equals(name) || p.name().equalsIgnoreCase(name)) return p;
        throw new IllegalArgumentException("policy must be one of " + Arrays.stream(values()).map(LossPolicy::cliName).toList()
                + ", was '" + name + "'");
    }

    @Override
    public String toString() { return cliName; }
}
