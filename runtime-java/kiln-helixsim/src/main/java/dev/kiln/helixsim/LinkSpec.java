package dev.kiln.helixsim;

import static dev.kiln.helixsim.Checks.nonNegative;
import static dev.kiln.helixsim.Checks.positive;

/**
 * One level of interconnect as an α–β model: a collective costs {@code alphaSeconds} (launch, synchronisation
 * and switch latency, paid once per collective) plus bytes / {@code bytesPerSecond}, the per-GPU
 * unidirectional bandwidth.
 */
public record LinkSpec(double alphaSeconds, double bytesPerSecond) {
    public LinkSpec {
        nonNegative("link.alphaSeconds", alphaSeconds);
        positive("link.bytesPerSecond", bytesPerSecond);
    }

    public double seconds(double bytes) { return alphaSeconds + bytes / bytesPerSecond; }

    public LinkSpec withAlpha(double alpha) { return new LinkSpec(alpha, bytesPerSecond); }
}
