package dev.kiln.collective.bench;

import dev.kiln.collective.lossy.LossPolicy;

import java.time.Duration;
import java.util.List;

/**
 * One allreduce benchmark run: {@code ranks} worker processes reduce {@code bytes} of fp32 with
 * {@code transport}, {@code warmup} untimed then {@code iters} timed iterations, each preceded by a barrier.
 * {@code killRank >= 0} is the failure drill: that rank's process halts at the start of iteration
 * {@code killStep} (counting warm-up), and nobody uses barriers, so the others carry on by their deadlines.
 */
public record BenchConfig(String transport, int ranks, long bytes, double loss, LossPolicy policy, int iters, int warmup,
                          Duration phaseDeadline, int datagramBytes, boolean netns, int killRank, int killStep) {
    public static final List<String> TRANSPORTS = List.of("udp", "tcp", "mpi", "nccl");

    public BenchConfig {
        if (!TRANSPORTS.contains(transport)) throw new IllegalArgumentException("transport must be one of " + TRANSPORTS + ", was '" + transport + "'");
        if (ranks < 2 || ranks > 64) throw new IllegalArgumentException("ranks must be in [2, 64], was " + ranks);
        if (bytes < 4L * ranks || bytes % 4 != 0 || bytes > (1L << 33)) {
            throw new IllegalArgumentException("size must be a multiple of 4 bytes in [4 * ranks, 8 GiB], was " + bytes);
        }
        if (!(loss >= 0 && loss < 1)) throw new IllegalArgumentException("loss must be in [0, 1), was " + loss);
        if (iters < 1) throw new IllegalArgumentException("iters must be >= 1, was " + iters);
        if (warmup < 0) throw new IllegalArgumentException("warmup must be >= 0, was " + warmup);
        if (killRank >= ranks || killRank == 0 || killRank < -1) throw new IllegalArgumentException("killRank must be -1 or in [1, ranks), was " + killRank);
        if (killRank > 0 && !transport.equals("udp")) throw new IllegalArgumentException("the kill drill needs the lossy udp transport, was " + transport);
    }

    public BenchConfig(String transport, int ranks, long bytes, double loss, LossPolicy policy, int iters, int warmup,
                       Duration phaseDeadline, int datagramBytes, boolean netns) {
        this(transport, ranks, bytes, loss, policy, iters, warmup, phaseDeadline, datagramBytes, netns, -1, -1);
    }

    public boolean killDrill() { return killRank > 0; }
}
