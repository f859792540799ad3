package dev.kiln.collective.nccl;

import dev.kiln.device.testing.ChildJvm;

import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Starts {@link NcclRank} as {@code ranks} child JVMs with torchrun-style variables on loopback and checks each passed. */
final class NcclRanks {
    private NcclRanks() {}

    static List<String> run(int ranks, String mode, Map<String, String> extraEnv) throws Exception {
        long seed = Long.getLong("kiln.test.seed", System.nanoTime()); // -Dkiln.test.seed=N pins it
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        List<CompletableFuture<ChildJvm.Result>> running = new ArrayList<>();
        // one thread per rank: the common pool may have a single thread on a small machine, and the ranks must overlap
        ExecutorService threads = Executors.newFixedThreadPool(ranks);
        for (int r = 0; r < ranks; r++) {
            Map<String, String> env = new HashMap<>(extraEnv);
                        env.put("RANK", Integer.toString(r));
            env.put("LOCAL_RANK", Integer.toString(r));
            env.put("WORLD_SIZE", Integer.toString(ranks));
            env.put("MASTER_ADDR", "127.0.0.1");
            env.put("MASTER_PORT", Integer.toString(port));
            running.add(CompletableFuture.supplyAsync(() -> {
                try {
                    return ChildJvm.run(env, NcclRank.class.getName(), Long.toString(seed), mode);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }, threads));
        }
        threads.shutdown();
        List<String> outputs = new ArrayList<>();
        for (int r = 0; r < ranks; r++) {
            ChildJvm.Result res = running.get(r).get(150, TimeUnit.SECONDS);
            assertEquals(0, res.exitCode(), "rank " + r + ", seed " + seed + " (-Dkiln.test.seed pins it), output:\n" + res.output());
            assertTrue(res.output().contains("ALL CHECKS PASSED"), res.output());
            outputs.add(res.output());
        }
        System.out.print(outputs.getFirst().lines().filter(l -> l.startsWith("ok ")).map(l -> "  nccl: " + l + "\n").reduce("", String::concat));
        return outputs;
    }

}
