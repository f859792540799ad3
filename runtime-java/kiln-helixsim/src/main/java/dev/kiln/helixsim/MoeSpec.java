package dev.kiln.helixsim;

import static dev.kiln.helixsim.Checks.nonNegative;
import static dev.kiln.helixsim.Checks.positive;

/**
 * The mixture-of-experts FFN: the first {@code denseLayers} layers use the dense FFN, every later layer
 * routes each token to {@code activeExperts} of {@code routedExperts} SwiGLU experts of width
 * {@code expertFfnSize}, plus {@code sharedExperts} that every token uses.
 */
public record MoeSpec(int denseLayers, int routedExperts, int activeExperts, int sharedExperts, int expertFfnSize) {
    public MoeSpec {
        nonNegative("moe.denseLayers", denseLayers);
        positive("moe.routedExperts", routedExperts);
        positive("moe.activeExperts", activeExperts);
        nonNegative("moe.sharedExperts", sharedExperts);
        positive("moe.expertFfnSize", expertFfnSize);
        if (activeExperts > routedExperts) {
            throw new IllegalArgumentException("moe.activeExperts = " + activeExperts + ": must be <= routedExperts = " + routedExperts);
        }
    }

    /**
     * Expected fraction of routed experts that at least one of {@code tokens} tokens selects, under uniform
     * independent routing: 1 − (1 − k/E)^tokens. The weights of unselected experts are not read.
     */
    public double expectedActiveFraction(double tokens) {
        return 1 - Math.pow(1 - activeExperts / (double) routedExperts, tokens);
    }
}
