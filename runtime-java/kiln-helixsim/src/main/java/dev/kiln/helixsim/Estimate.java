package dev.kiln.helixsim;

/**
 * The simulated decode step of one layout: token-to-token latency summed over layers (plus pipeline hops),
 * its memory / FLOP / exposed-communication parts, and the per-GPU HBM footprint against capacity.
 */
public record Estimate(Layout layout, double ttlSeconds, double memorySeconds, double flopSeconds, double commSeconds,
                       double weightBytesPerGpu, double kvBytesPerGpu, double capacityBytes) {

    /** Whether weights + KV cache fit in one GPU's HBM. */
    public boolean fits() { return weightBytesPerGpu + kvBytesPerGpu <= capacityBytes; }

    /** Tokens per second per user: 1 / TTL. */
    public double interactivity() { return 1 / ttlSeconds; }

    /** Tokens per second per GPU: users / (TTL · GPUs). */
    public double throughputPerGpu() { return layout.users() / (ttlSeconds * layout.gpus()); }
}
