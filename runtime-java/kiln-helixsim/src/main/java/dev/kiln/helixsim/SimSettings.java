package dev.kiln.helixsim;

import static dev.kiln.helixsim.Checks.positive;

/**
 * What is simulated: KV length {@code contextTokens}, number format of weights/KV/arithmetic, bytes per
 * element on the wire ({@code commBytesPerElement}: partial outputs and activations travel in bf16 in
 * TensorRT-LLM), HOP-B on or off and the all-to-all {@code schedule} it is compared against, the
 * all-to-all {@code combineVolume}, where Helix's W_O is charged, and whether FLOPs and communication count
 * (both off = the memory-only Appendix A formula).
 */
public record SimSettings(double contextTokens, Precision precision, double commBytesPerElement, boolean hopB,
                          Schedule schedule, CombineVolume combineVolume, OutputProjection outputProjection,
                          boolean includeCompute, boolean includeCommunication) {
    public SimSettings {
        positive("contextTokens", contextTokens);
        positive("commBytesPerElement", commBytesPerElement);
        if (precision == null) throw new IllegalArgumentException("precision is missing: allowed are fp4, fp8, bf16");
        if (schedule == null) throw new IllegalArgumentException("schedule is missing");
        if (combineVolume == null) throw new IllegalArgumentException("combineVolume is missing");
        if (outputProjection == null) throw new IllegalArgumentException("outputProjection is missing");
    }

    /**
     * The paper's setup (S = 2^20, FP4, bf16 on the wire, HOP-B on, the paper's B·H all-to-all volume), with
     * the batched schedule and W_O at TP = N as Helix runs it.
     */
    public static SimSettings paper() {
        return new SimSettings(1 << 20, Precision.FP4, 2, true, Schedule.BATCHED, CombineVolume.HIDDEN,
                OutputProjection.AT_N, true, true);
    }

    /** Only the Appendix A memory terms: no FLOP term, no communication. */
    public static SimSettings memoryOnly(OutputProjection wo) {
        return paper().withHopB(false).withOutputProjection(wo).withCompute(false).withCommunication(false);
    }

    public SimSettings withHopB(boolean on) {
        return new SimSettings(contextTokens, precision, commBytesPerElement, on, schedule, combineVolume, outputProjection, includeCompute, includeCommunication);
    }

    public SimSettings withSchedule(Schedule s) {
        return new SimSettings(contextTokens, precision, commBytesPerElement, hopB, s, combineVolume, outputProjection, includeCompute, includeCommunication);
    }

    public SimSettings withCombineVolume(CombineVolume v) {
        return new SimSettings(contextTokens, precision, commBytesPerElement, hopB, schedule, v, outputProjection, includeCompute, includeCommunication);
    }

    public SimSettings withOutputProjection(OutputProjection wo) {
        return new SimSettings(contextTokens, precision, commBytesPerElement, hopB, schedule, combineVolume, wo, includeCompute, includeCommunication);
    }

    public SimSettings withContextTokens(double s) {
        return new SimSettings(s, precision, commBytesPerElement, hopB, schedule, combineVolume, outputProjection, includeCompute, includeCommunication);
    }

    public SimSettings withPrecision(Precision p) {
        return new SimSettings(contextTokens, p, commBytesPerElement, hopB, schedule, combineVolume, outputProjection, includeCompute, includeCommunication);
    }

    public SimSettings withCompute(boolean on) {
        return new SimSettings(contextTokens, precision, commBytesPerElement, hopB, schedule, combineVolume, outputProjection, on, includeCommunication);
    }

    public SimSettings withCommunication(boolean on) {
        return new SimSettings(contextTokens, precision, commBytesPerElement, hopB, schedule, combineVolume, outputProjection, includeCompute, on);
    }
}
