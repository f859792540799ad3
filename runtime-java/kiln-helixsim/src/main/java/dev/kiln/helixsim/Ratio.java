package dev.kiln.helixsim;

/**
 * A Helix-over-baseline ratio and where it was found: the two estimates compared and, for ratios taken at
 * equal latency, the TTL budget (seconds; NaN when not applicable).
 */
public record Ratio(double value, Estimate helix, Estimate baseline, double ttlBudgetSeconds) {
    static final Ratio NONE = new Ratio(Double.NaN, null, null, Double.NaN);
}
