package dev.kiln.collective.lossy;

import dev.kiln.collective.telemetry.PhaseReport;

/** Telemetry of one lossy allreduce: its reduce-scatter and all-gather phases. */
public record AllReduceReport(PhaseReport reduceScatter, PhaseReport allGather, long nanos) {
    /** Packets received over expected, both phases together. */
    public double deliveredFraction() {
        long e = reduceScatter.totalExpected() + allGather.totalExpected();
        return e == 0 ? 1.0 : (reduceScatter.totalReceived() + allGather.totalReceived()) / (double) e;
    }
}
