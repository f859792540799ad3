package dev.kiln.helixsim;

import static dev.kiln.helixsim.Checks.named;
import static dev.kiln.helixsim.Checks.nonNegative;
import static dev.kiln.helixsim.Checks.positive;

/**
 * One GPU and its interconnect. Dense (not sparse) tensor FLOP/s per precision; 0 means the precision is
 * not supported and arithmetic runs at the next wider one (FP4 on Hopper runs at the FP8 rate).
 * Groups of at most {@code nvlinkDomainGpus} GPUs talk over {@code nvlink}, larger groups over
 * {@code scaleOut}. {@code hbmEfficiency} is the achieved fraction of {@code hbmBytesPerSecond}: 1 (ideal,
 * as the paper's figures) unless calibrated from a measurement; 0 in a file means "not given" = 1.
 */
public record HardwareSpec(String name, double hbmBytesPerSecond, double hbmCapacityBytes,
                           double fp4FlopsPerSecond, double fp8FlopsPerSecond, double bf16FlopsPerSecond,
                           int nvlinkDomainGpus, LinkSpec nvlink, LinkSpec scaleOut, double hbmEfficiency) {
    public HardwareSpec {
        named("hardware.name", name);
        positive("hardware.hbmBytesPerSecond", hbmBytesPerSecond);
        positive("hardware.hbmCapacityBytes", hbmCapacityBytes);
        nonNegative("hardware.fp4FlopsPerSecond", fp4FlopsPerSecond);
        nonNegative("hardware.fp8FlopsPerSecond", fp8FlopsPerSecond);
        positive("hardware.bf16FlopsPerSecond", bf16FlopsPerSecond);
        positive("hardware.nvlinkDomainGpus", nvlinkDomainGpus);
        if (nvlink == null) throw new IllegalArgumentException("hardware.nvlink is missing");
        if (scaleOut == null) throw new IllegalArgumentException("hardware.scaleOut is missing");
        if (hbmEfficiency == 0) hbmEfficiency = 1;
        if (!(hbmEfficiency > 0 && hbmEfficiency <= 1)) {
            throw new IllegalArgumentException("hardware.hbmEfficiency = " + hbmEfficiency + ": must be in (0, 1]");
        }
    }

    /** Achieved HBM bandwidth: peak × efficiency. */
    public double effectiveHbmBytesPerSecond() { return hbmBytesPerSecond * hbmEfficiency; }

    /** Dense FLOP/s for arithmetic in {@code p}, falling back to the next wider supported format. */
    public double flopsPerSecond(Precision p) {
        return switch (p) {
            case FP4 -> fp4FlopsPerSecond > 0 ? fp4FlopsPerSecond : flopsPerSecond(Precision.FP8);
            case FP8 -> fp8FlopsPerSecond > 0 ? fp8FlopsPerSecond : bf16FlopsPerSecond;
            case BF16 -> bf16FlopsPerSecond;
        };
    }

    /** The link a collective over {@code groupSize} GPUs uses (groups are placed inside one domain when they fit). */
    public LinkSpec linkFor(int groupSize) { return groupSize <= nvlinkDomainGpus ? nvlink : scaleOut; }

    public HardwareSpec withHbmEfficiency(double efficiency) {
        return new HardwareSpec(name, hbmBytesPerSecond, hbmCapacityBytes, fp4FlopsPerSecond, fp8FlopsPerSecond,
                bf16FlopsPerSecond, nvlinkDomainGpus, nvlink, scaleOut, efficiency);
    }

    public HardwareSpec withNvlinkAlpha(double alphaSeconds) {
        return new HardwareSpec(name, hbmBytesPerSecond, hbmCapacityBytes, fp4FlopsPerSecond, fp8FlopsPerSecond,
                bf16FlopsPerSecond, nvlinkDomainGpus, nvlink.withAlpha(alphaSeconds), scaleOut, hbmEfficiency);
    }
}
