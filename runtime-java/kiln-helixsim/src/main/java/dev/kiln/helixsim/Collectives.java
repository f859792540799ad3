package dev.kiln.helixsim;

/**
 * α–β costs of the collectives one decode step uses, for a group of {@code g} GPUs. One α per collective
 * (NVLink-switch systems run small collectives in one shot, or with NVLS, not as g−1 ring steps).
 * A group of one costs nothing.
 */
final class Collectives {
    private final HardwareSpec hw;

    Collectives(HardwareSpec hw) { this.hw = hw; }

    /** All-reduce of a {@code bytes} buffer: reduce-scatter + all-gather volume, 2·(g−1)/g·bytes per GPU. */
    double allReduce(int g, double bytes) {
        if (g == 1) return 0;
        return hw.linkFor(g).seconds(2.0 * (g - 1) / g * bytes);
    }

    /** All-to-all where each GPU holds {@code bytes} split evenly over the g ranks; (g−1)/g of it leaves. */
    double allToAll(int g, double bytes) {
        if (g == 1) return 0;
        return hw.linkFor(g).seconds((g - 1.0) / g * bytes);
    }

    /** All-gather producing a {@code bytes} result on every GPU, 1/g of it local. */
    double allGather(int g, double bytes) { return allToAll(g, bytes); }

    /** Every other rank sends {@code bytesPerSender} to one root, which receives them all through its own link. */
    double gatherToRoot(int g, double bytesPerSender) {
        if (g == 1) return 0;
        return hw.linkFor(g).seconds((g - 1.0) * bytesPerSender);
    }

    /** One rank sends {@code bytes} to the other g−1 (switch multicast: one copy leaves the sender). */
    double broadcast(int g, double bytes) {
        if (g == 1) return 0;
        return hw.linkFor(g).seconds(bytes);
    }

    /** α of the link a group of {@code g} GPUs uses. */
    double alpha(int g) { return g == 1 ? 0 : hw.linkFor(g).alphaSeconds(); }

    /** Per-GPU bandwidth of the link a group of {@code g} GPUs uses. */
    double bandwidth(int g) { return hw.linkFor(g).bytesPerSecond(); }
}
