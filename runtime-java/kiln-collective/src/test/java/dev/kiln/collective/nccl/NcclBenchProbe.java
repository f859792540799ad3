package dev.kiln.collective.nccl;

import dev.kiln.collective.bench.BenchConfig;
import dev.kiln.collective.bench.BenchLauncher;
import dev.kiln.collective.bench.BenchResult;
import dev.kiln.collective.lossy.LossPolicy;

import java.time.Duration;

/**
 * {@code kiln allreduce bench --transport nccl --ranks 3 --no-netns} through its launcher, in a JVM whose libnccl and
 * libcuda are the stand-ins (inherited by the worker JVMs it starts): prints the result line the test reads.
 * The workers check every element against the exact sum (inputs are multiples of 1/256, so fp32 sums are exact).
 */
public final class NcclBenchProbe {
    private NcclBenchProbe() {}

    public static void main(String[] args) {
        System.out.println("nccl available: " + NcclTransport.describe());
        BenchConfig cfg = new BenchConfig("nccl", 3, 4L * 100_003, 0, LossPolicy.RESCALE_BY_COUNT, 3, 1, Duration.ofMillis(500), 1472, false);
        BenchResult r = BenchLauncher.run(cfg, 120);
        System.out.println("BENCH steps " + r.stepMillis().length + " delivered " + r.delivered() + " maxRelativeError " + r.maxRelativeError());
    }
}
