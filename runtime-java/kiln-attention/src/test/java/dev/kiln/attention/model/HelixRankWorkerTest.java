package dev.kiln.attention.model;

import dev.kiln.collective.netlab.SimulatedHosts;
import dev.kiln.collective.rendezvous.WorkerJvm;
import dev.kiln.device.testing.FreePorts;
import dev.kiln.device.Device;
import dev.kiln.device.Devices;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Helix over processes: KVP 2 × TPA 2 worker JVMs on loopback (TCP ring world group, TCP ring KVP groups, so the
 * (O, LSE) exchange is the ring's all-to-all) decode greedily; every step's tokens and logits must equal the
 * single-rank decoder's (rel ≤ 1e-5, argmax token for token) and stay as close to the threaded Helix decoder's.
 * Once with all four on this host's loopback, once on two simulated hosts × 2 ranks (root only), where both KVP
 * groups ({0, 2} and {1, 3}) and the world ring cross between the hosts.
 */
class HelixRankWorkerTest {
    static final String MODEL = "test-gqa";
    static final int KVP = 2, TPA = 2, APPEND_BLOCK = 3, BATCH = 2, STEPS = 24;

    @Test
    void helix_decode_over_processes_equals_the_single_rank_decode_token_for_token() throws Exception {
        long seed = Long.getLong("kiln.test.seed", System.nanoTime()); // -Dkiln.test.seed=N pins it
        int port = FreePorts.run(1 + TPA);
        check(seed, launch(seed, r -> List.of(), r -> torchrun(r, "127.0.0.1", port), List.of()), "loopback");
    }

    /**
     * The same decode with both groups as NCCL communicators over kiln-core's stand-in libnccl and libcuda (see
     * NcclCommunicatorStandInTest in kiln-collective for what they prove): the Helix all-to-all as NCCL's group of
     * sends and receives, the broadcasts and allreduces through NCCL calls. GPU run pending.
     */
    @Test
    void helix_decode_over_nccl_stand_ins_equals_the_single_rank_decode_token_for_token(@TempDir Path libs) throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/cc")), "no C compiler (/usr/bin/cc) to build the stand-in libnccl and libcuda");
        Path src = Path.of("../kiln-core/src/test/c").toAbsolutePath().normalize();
        for (String[] lib : new String[][]{{"fake_libnccl.c", "libnccl.so.2"}, {"fake_libcuda.c", "libcuda.so.1"}}) {
            Process cc = new ProcessBuilder("cc", "-shared", "-fPIC", "-O1", "-o", libs.resolve(lib[1]).toString(), src.resolve(lib[0]).toString(), "-lm")
                    .redirectErrorStream(true).start();
            String out = new String(cc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(cc.waitFor(60, TimeUnit.SECONDS) && cc.exitValue() == 0, lib[0] + " did not compile:\n" + out);
        }
        long seed = Long.getLong("kiln.test.seed", System.nanoTime()); // -Dkiln.test.seed=N pins it
        int port = FreePorts.run(1 + TPA);
        check(seed, launch(seed, r -> List.of(), r -> {
            Map<String, String> env = new java.util.HashMap<>(torchrun(r, "127.0.0.1", port));
            env.put("LD_LIBRARY_PATH", libs.toString());
            return env;
        }, List.of("--transport", "nccl")), "NCCL stand-ins on loopback");
    }

    @Test
    void helix_decode_across_two_simulated_hosts_equals_the_single_rank_decode_token_for_token() throws Exception {
        String cause = SimulatedHosts.unavailabilityCause();
        Assumptions.assumeTrue(cause == null, "Helix across simulated hosts skipped: " + cause);
        long seed = Long.getLong("kiln.test.seed", System.nanoTime()); // -Dkiln.test.seed=N pins it
        int ranksPerHost = 2;
        try (SimulatedHosts hosts = SimulatedHosts.create(KVP * TPA / ranksPerHost)) {
            List<String> lines = launch(seed, r -> hosts.exec(r / ranksPerHost, List.of()), r -> {
                Map<String, String> env = new java.util.HashMap<>(torchrun(r, SimulatedHosts.address(0), 29500));
                env.put("LOCAL_RANK", Integer.toString(r % ranksPerHost));
                env.put("LOCAL_WORLD_SIZE", Integer.toString(ranksPerHost));
                return env;
            }, List.of());
            check(seed, lines, "2 simulated hosts x 2 ranks");
        }
    }

    private static Map<String, String> torchrun(int rank, String masterAddr, int port) {
        return Map.of("RANK", Integer.toString(rank), "WORLD_SIZE", Integer.toString(KVP * TPA),
                "MASTER_ADDR", masterAddr, "MASTER_PORT", Integer.toString(port));
    }

    /** Replays the decode on the single-rank and the threaded Helix decoder and compares every step with rank 0's lines. */
    private static void check(long seed, List<String> lines, String where) throws Exception {
        ModelShape s = ModelShape.named(MODEL);
        assertEquals(STEPS, lines.size(), "seed " + seed + ": rank 0 printed " + lines.size() + " of " + STEPS + " steps");
        try (Device dev = Devices.open("cpu");
             HelixDecoder single = new HelixDecoder(dev, HelixRankWorker.config(s, 1, 1, APPEND_BLOCK, BATCH, STEPS, seed));
             HelixDecoder threads = new HelixDecoder(dev, HelixRankWorker.config(s, KVP, TPA, APPEND_BLOCK, BATCH, STEPS, seed))) {
            SplittableRandom rnd = new SplittableRandom(seed);
            int[] tokens = HelixRankWorker.firstTokens(s, BATCH, seed);
            double worst = 0;
            for (int step = 0; step < STEPS; step++) {
                String[] f = lines.get(step).substring(HelixRankWorker.STEP_PREFIX.length()).split(" ");
                assertEquals(step, Integer.parseInt(f[0]), "seed " + seed + ": step line order");
                assertArrayEquals(tokens, Arrays.stream(f[1].split(",")).mapToInt(Integer::parseInt).toArray(),
                        "seed " + seed + " step " + step + ": tokens fed by the processes");
                float[] got = parseFloats(f[2]);
                float[] want = single.step(tokens);
                float[] threaded = threads.step(tokens);
                double rel = relErr(got, want);
                worst = Math.max(worst, rel);
                assertTrue(rel <= 1e-5, "seed " + seed + " step " + step + ": logits rel err vs single rank " + rel);
                assertTrue(relErr(got, threaded) <= 1e-5, "seed " + seed + " step " + step + ": logits vs threaded Helix");
                for (int b = 0; b < BATCH; b++) {
                    assertEquals(HelixDecoder.argmax(want, b, s.vocab()), HelixDecoder.argmax(got, b, s.vocab()),
                            "seed " + seed + " step " + step + " sequence " + b + ": argmax");
                }
                tokens = HelixRankWorker.nextTokens(want, BATCH, s.vocab(), step, rnd);
            }
            System.out.printf("Helix KVP=%d TPA=%d over %d processes (%s): %d steps token for token, worst logits rel err %.2e (seed %d)%n",
                    KVP, TPA, KVP * TPA, where, STEPS, worst, seed);
        }
    }

    /**
     * Starts the KVP × TPA workers, rank r's command after {@code prefixOf(r)} (a host's namespace) and with the
     * launcher variables {@code envOf(r)} only (plus {@code extraArgs}), and returns rank 0's step lines.
     */
    private static List<String> launch(long seed, IntFunction<List<String>> prefixOf, IntFunction<Map<String, String>> envOf,
                                       List<String> extraArgs) throws Exception {
        List<Process> children = new ArrayList<>();
        try {
            for (int r = 0; r < KVP * TPA; r++) {
                List<String> cmd = new ArrayList<>(prefixOf.apply(r));
                cmd.addAll(WorkerJvm.command(HelixRankWorker.class, List.of("-Xmx256m", "-XX:+UseSerialGC")));
                cmd.addAll(List.of("--model", MODEL, "--kvp", Integer.toString(KVP), "--tpa", Integer.toString(TPA),
                        "--append-block", Integer.toString(APPEND_BLOCK), "--batch", Integer.toString(BATCH),
                        "--steps", Integer.toString(STEPS), "--seed", Long.toString(seed), "--timeout-s", "60"));
                cmd.addAll(extraArgs);
                ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT);
                if (r != 0) pb.redirectOutput(ProcessBuilder.Redirect.DISCARD);
                Map<String, String> env = pb.environment();
                env.keySet().removeIf(k -> k.startsWith("OMPI_") || k.startsWith("SLURM_") || k.startsWith("MASTER_")
                        || List.of("RANK", "WORLD_SIZE", "LOCAL_RANK", "LOCAL_WORLD_SIZE", "KILN_IFACE").contains(k));
                env.putAll(envOf.apply(r));
                children.add(pb.start());
            }
            List<String> lines = new ArrayList<>();
            try (BufferedReader in = new BufferedReader(new InputStreamReader(children.get(0).getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = in.readLine()) != null; ) {
                    if (line.startsWith(HelixRankWorker.STEP_PREFIX)) lines.add(line);
                    else System.out.println(line);
                }
            }
            for (int r = 0; r < children.size(); r++) {
                Process p = children.get(r);
                assertTrue(p.waitFor(120, TimeUnit.SECONDS), "seed " + seed + ": worker " + r + " did not exit");
                assertEquals(0, p.exitValue(), "seed " + seed + ": worker " + r + " exit status");
            }
            return lines;
        } finally {
            children.forEach(Process::destroyForcibly);
        }
    }

    private static float[] parseFloats(String csv) {
        String[] parts = csv.split(",");
        float[] v = new float[parts.length];
        for (int i = 0; i < parts.length; i++) v[i] = Float.parseFloat(parts[i]);
        return v;
    }

    private static double relErr(float[] got, float[] want) {
        assertEquals(want.length, got.length, "logits length");
        double num = 0, den = 0;
        for (int i = 0; i < want.length; i++) {
            num += (double) (got[i] - want[i]) * (got[i] - want[i]);
            den += (double) want[i] * want[i];
        }
        return Math.sqrt(num / den);
    }
}
