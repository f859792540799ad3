package dev.kiln.inference;

import dev.kiln.collective.rendezvous.WorkerJvm;
import dev.kiln.device.Device;
import dev.kiln.device.Devices;
import dev.kiln.device.testing.FreePorts;
import dev.kiln.inference.model.AttentionFactory;
import dev.kiln.inference.model.GenerateRankWorker;
import dev.kiln.inference.model.Models;
import dev.kiln.inference.model.Sampler;
import dev.kiln.inference.quant.Activations;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Starts a Helix generation as {@code kvp × tpa} worker JVMs ({@link GenerateRankWorker}) on loopback with torchrun's
 * variables, or on simulated hosts with any launcher's, as HelixRankWorkerTest starts its decode ranks, and compares
 * what every rank generated with the one-rank in-process generation.
 */
public final class RankProcesses {
    private RankProcesses() {}

    /** The reference: greedy generation of {@code model} on one rank in this process, the steps the workers print. */
    public static List<GenerateRankWorker.Step> oneRank(Path model, Activations activations, String prompt, int tokens) throws IOException {
        try (Device cpu = Devices.open("cpu"); Models.Loaded m = Models.load(model, AttentionFactory.singleRank(cpu), Integer.MAX_VALUE, activations)) {
            return GenerateRankWorker.generate(m.model(), m.tokenizer(), new Sampler(0, 1, 1), prompt, tokens, id -> { });
        }
    }

    /** {@code [rank]}: the steps each rank printed, after all exited with status 0 within the timeout. */
    public static List<List<GenerateRankWorker.Step>> generate(Path model, int kvp, int tpa, String prompt, int tokens) throws Exception {
        return generate(model, kvp, tpa, prompt, tokens, Map.of(), List.of());
    }

    /** The same with {@code extraEnv} in every worker's environment and {@code extraArgs} after its arguments. */
    public static List<List<GenerateRankWorker.Step>> generate(Path model, int kvp, int tpa, String prompt, int tokens,
                                                               Map<String, String> extraEnv, List<String> extraArgs) throws Exception {
        int n = kvp * tpa, port = FreePorts.run(1 + tpa);
        return generate(model, kvp, tpa, prompt, tokens, r -> List.of(), r -> {
            Map<String, String> env = new HashMap<>(Map.of("RANK", Integer.toString(r), "WORLD_SIZE", Integer.toString(n),
                    "MASTER_ADDR", "127.0.0.1", "MASTER_PORT", Integer.toString(port)));
            env.putAll(extraEnv);
            return env;
        }, extraArgs);
    }

    /**
     * The same with rank r's command after {@code prefixOf(r)} (a simulated host's {@code ip netns exec}, say) and
     * {@code envOf(r)} as its only launcher variables (torchrun's, srun's, ...): every inherited launcher variable is
     * removed first, so what a rank sees is what {@code envOf} says.
     */
    public static List<List<GenerateRankWorker.Step>> generate(Path model, int kvp, int tpa, String prompt, int tokens,
                                                               IntFunction<List<String>> prefixOf, IntFunction<Map<String, String>> envOf,
                                                               List<String> extraArgs) throws Exception {
        int n = kvp * tpa;
        List<Process> children = new ArrayList<>();
        try {
            for (int r = 0; r < n; r++) {
                List<String> cmd = new ArrayList<>(prefixOf.apply(r));
                cmd.addAll(WorkerJvm.command(GenerateRankWorker.class, List.of("-Xmx256m", "-XX:+UseSerialGC")));
                cmd.addAll(List.of("--model", model.toString(), "--kvp", Integer.toString(kvp), "--tpa", Integer.toString(tpa),
                        "--prompt", prompt, "--tokens", Integer.toString(tokens), "--temperature", "0", "--timeout-s", "60"));
                cmd.addAll(extraArgs);
                ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT);
                Map<String, String> env = pb.environment();
                env.keySet().removeIf(k -> k.startsWith("OMPI_") || k.startsWith("SLURM_") || k.startsWith("MASTER_")
                        || List.of("RANK", "WORLD_SIZE", "LOCAL_RANK", "LOCAL_WORLD_SIZE", "KILN_IFACE").contains(k));
                env.putAll(envOf.apply(r));
                children.add(pb.start());
            }
            // Every rank's stdout is drained as it runs: a rank blocked on a full pipe would stall the others' collectives.
            List<CompletableFuture<String>> outs = new ArrayList<>();
            for (Process p : children) outs.add(CompletableFuture.supplyAsync(() -> {
                try {
                    return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }));
            List<List<GenerateRankWorker.Step>> steps = new ArrayList<>();
            for (int r = 0; r < n; r++) {
                Process p = children.get(r);
                assertTrue(p.waitFor(120, TimeUnit.SECONDS), "rank " + r + " of " + kvp + " x " + tpa + " did not exit");
                String out = outs.get(r).get(30, TimeUnit.SECONDS);
                assertEquals(0, p.exitValue(), "rank " + r + " exit status");
                List<GenerateRankWorker.Step> mine = new ArrayList<>();
                for (String line : out.lines().filter(l -> l.startsWith(GenerateRankWorker.STEP_PREFIX)).toList()) {
                    String[] f = line.substring(GenerateRankWorker.STEP_PREFIX.length()).split(" ");
                    assertEquals(r, Integer.parseInt(f[0]), "rank in rank " + r + "'s line");
                    assertEquals(mine.size(), Integer.parseInt(f[1]), "rank " + r + ": step order");
                    String[] v = f[3].split(",");
                    float[] logits = new float[v.length];
                    for (int i = 0; i < v.length; i++) logits[i] = Float.parseFloat(v[i]);
                    mine.add(new GenerateRankWorker.Step(Integer.parseInt(f[2]), logits));
                }
                steps.add(mine);
            }
            return steps;
        } finally {
            children.forEach(Process::destroyForcibly);
        }
    }

    /**
     * Every rank's tokens equal one rank's token for token; every rank's logits equal rank 0's bit for bit (the
     * residual streams stay identical across ranks); rank 0's logits are within {@code 1e-5·(1 + |logit|)} of one
     * rank's (the all-reduces sum partial products in ring order). Returns the worst {@code |Δ| / (1 + max|logit|)}.
     */
    public static double assertSameAsOneRank(List<GenerateRankWorker.Step> want, List<List<GenerateRankWorker.Step>> ranks, String what) {
        double worst = 0;
        int[] tokens = want.stream().mapToInt(GenerateRankWorker.Step::token).toArray();
        for (int r = 0; r < ranks.size(); r++) {
            List<GenerateRankWorker.Step> got = ranks.get(r);
            assertArrayEquals(tokens, got.stream().mapToInt(GenerateRankWorker.Step::token).toArray(), what + ": rank " + r + "'s tokens vs one rank's");
            for (int i = 0; i < got.size(); i++) {
                float[] mine = got.get(i).logits(), first = ranks.get(0).get(i).logits(), one = want.get(i).logits();
                assertArrayEquals(first, mine, what + ": rank " + r + "'s logits vs rank 0's, generated token " + i);
                double scale = 0;
                for (float x : one) scale = Math.max(scale, Math.abs(x));
                for (int j = 0; j < one.length; j++) {
                    assertEquals(one[j], mine[j], 1e-5 * (1 + Math.abs(one[j])), what + ": logit " + j + " of generated token " + i + " vs one rank");
                    worst = Math.max(worst, Math.abs(mine[j] - one[j]) / (1 + scale));
                }
            }
        }
        return worst;
    }

}
