package dev.kiln.helixsim;

/**
 * One decoder layer on the busiest GPU of a layout: bytes read from HBM (KV cache and weights), FLOPs,
 * the resulting times, and the communication left exposed after overlap. Time = max(memory, FLOPs) + comm.
 */
public record LayerCost(double kvBytes, double weightBytes, double flops,
                        double memorySeconds, double flopSeconds, double commSeconds) {
    public double computeSeconds() { return Math.max(memorySeconds, flopSeconds); }

    public double seconds() { return computeSeconds() + commSeconds; }
}
