package dev.kiln.inference;

import dev.kiln.collective.rendezvous.WorkerJvm;
import dev.kiln.inference.model.GenerateRankWorker;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Starts a Helix generation as {@code kvp × tpa} worker JVMs ({@link GenerateRankWorker}) on loopback with torchrun's
 * variables, as HelixRankWorkerTest starts its decode ranks, and returns every rank's generated token ids.
 */
public final class RankProcesses {
    private RankProcesses() {}

    /** {@code [rank][i]}: the ids each rank printed, after all exited with status 0 within the timeout. */
    public static int[][] generate(Path model, int kvp, int tpa, String prompt, int tokens) throws Exception {
        int n = kvp * tpa, port = freePorts(1 + tpa);
        List<Process> children = new ArrayList<>();
        try {
            for (int r = 0; r < n; r++) {
                List<String> cmd = WorkerJvm.command(GenerateRankWorker.class, List.of("-Xmx256m", "-XX:+UseSerialGC"));
                cmd.addAll(List.of("--model", model.toString(), "--kvp", Integer.toString(kvp), "--tpa", Integer.toString(tpa),
                        "--prompt", prompt, "--tokens", Integer.toString(tokens), "--temperature", "0", "--timeout-s", "60"));
                ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT);
                Map<String, String> env = pb.environment();
                env.keySet().removeIf(k -> k.startsWith("OMPI_") || k.startsWith("SLURM_") || k.startsWith("MASTER_")
                        || List.of("RANK", "WORLD_SIZE", "LOCAL_RANK", "LOCAL_WORLD_SIZE", "KILN_IFACE").contains(k));
                env.putAll(Map.of("RANK", Integer.toString(r), "WORLD_SIZE", Integer.toString(n), "MASTER_ADDR", "127.0.0.1",
                        "MASTER_PORT", Integer.toString(port)));
                children.add(pb.start());
            }
            int[][] ids = new int[n][];
            for (int r = 0; r < n; r++) {
                Process p = children.get(r);
                // One short line each: reading after the exit cannot fill a pipe and block the worker.
                assertTrue(p.waitFor(120, TimeUnit.SECONDS), "rank " + r + " of " + kvp + " x " + tpa + " did not exit");
                String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                assertEquals(0, p.exitValue(), "rank " + r + " exit status; stdout: " + out);
                List<String> lines = out.lines().filter(l -> l.startsWith(GenerateRankWorker.TOKENS_PREFIX)).toList();
                assertEquals(1, lines.size(), "rank " + r + " prints one token line; stdout: " + out);
                String[] f = lines.get(0).substring(GenerateRankWorker.TOKENS_PREFIX.length()).split(" ", -1);
                assertEquals(r, Integer.parseInt(f[0]), "rank in rank " + r + "'s line");
                ids[r] = f[1].isEmpty() ? new int[0] : Arrays.stream(f[1].split(",")).mapToInt(Integer::parseInt).toArray();
            }
            return ids;
        } finally {
            children.forEach(Process::destroyForcibly);
        }
    }

    /** A port p with p .. p + count - 1 free now (world rendezvous, then one per KVP group). */
    static int freePorts(int count) throws IOException {
        for (int attempt = 0; attempt < 50; attempt++) {
            int p;
            try (ServerSocket s = new ServerSocket(0)) {
                p = s.getLocalPort();
            }
            if (p + count > 65535) continue;
            boolean free = true;
            for (int i = 1; i < count && free; i++) {
                try (ServerSocket s = new ServerSocket(p + i)) {
                    free = true;
                } catch (IOException e) {
                    free = false;
                }
            }
            if (free) return p;
        }
        throw new IOException("no run of " + count + " free loopback ports found");
    }
}
