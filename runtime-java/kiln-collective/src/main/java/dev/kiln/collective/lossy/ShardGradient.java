package dev.kiln.collective.lossy;

import dev.kiln.collective.telemetry.PhaseReport;

/**
 * The owner's estimate of the mean gradient over its shard after a lossy reduce-scatter.
 *
 * @param step            the caller's step
 * @param offset          first element of the shard in the flat vector
 * @param mean            the estimate, one float per shard element (policy applied; never NaN for finite inputs)
 * @param packetCounts    per packet of the shard, how many ranks' contributions were summed (own included: >= 1)
 * @param floatsPerPacket elements per packet: element i was estimated from {@code packetCounts[i / floatsPerPacket]} contributions
 * @param size            ranks in the group
 * @param report          the phase's telemetry
 */
public record ShardGradient(int step, long offset, float[] mean, int[] packetCounts, int floatsPerPacket, int size,
                            PhaseReport report) {
    /** Number of ranks whose contribution to shard element {@code i} arrived (own included). */
    public int contributions(int i) { return packetCounts[i / floatsPerPacket]; }

    public int length() { return mean.length; }

    /** Received over expected contributions to this shard, own excluded. */
    public double deliveredFraction() { return report.deliveredFraction(); }
}
