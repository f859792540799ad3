package dev.kiln.collective.bench;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * What one run measured. Step times are the slowest rank's per iteration. {@code delivered} is the
 * fraction of data packets that arrived (1 for reliable transports). Counters from the namespace's
 * nft rules are -1 when no namespace was used. {@code unfinishedPeers}: per timed step, the peers rank 0
 * saw unfinished at a phase deadline (udp only; empty lists when all delivered).
 */
public record BenchResult(BenchConfig config, double[] stepMillis, double delivered, double maxRelativeError,
                          long nftSeen, long nftDropped, long udpReceiveBufferErrors, Map<String, Object> profile,
                          List<List<Integer>> unfinishedPeers) {

    public double percentile(double p) {
        double[] s = stepMillis.clone();
        Arrays.sort(s);
        int i = (int) Math.ceil(p / 100.0 * s.length) - 1;
        return s[Math.max(0, Math.min(s.length - 1, i))];
    }

    /** Bytes per second of the median step: {@code size / time}. */
    public double algbw() { return config.bytes() / (percentile(50) / 1e3); }

    /** nccl-tests' allreduce bus bandwidth: {@code algbw * 2 (n - 1) / n}, on the bytes offered. */
    public double busbw() { return algbw() * 2.0 * (config.ranks() - 1) / config.ranks(); }
}
