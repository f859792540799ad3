package dev.kiln.inference;

import dev.kiln.device.Device;
import dev.kiln.device.Devices;
import dev.kiln.inference.model.AttentionFactory;
import dev.kiln.inference.model.GenerateRankWorker;
import dev.kiln.inference.model.Models;
import dev.kiln.inference.model.Sampler;
import dev.kiln.inference.quant.Activations;
import dev.kiln.inference.tensor.TensorType;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Helix with processes as ranks on a Llama-shaped checkpoint: the tiny GQA Llama of {@link LlamaCheckpointTest}
 * (Q8_0 weights, tied head, 4/2 heads) generates greedily as KVP 2 × TPA 2 and as KVP 2 × TPA 1 worker JVMs on
 * loopback; every rank's tokens must equal the one-rank in-process generation's, token for token, with its logits
 * (see {@link RankProcesses#assertSameAsOneRank}). The prompt and
 * the tokens span more than one append block (16 positions), so both KVP ranks hold positions.
 */
class LlamaProcessRanksTest {
    static final String PROMPT = "in the beginning there";
    static final int TOKENS = 24;
    /**
     * fp32 activations, as LlamaCheckpointTest's Helix comparisons: the 16-wide heads make the ranks' W_O column slices
     * straddle Q8_0 blocks, so the ranks run them on fp32 copies, while one rank's int8 path would round differently.
     */
    static final List<String> FP32 = List.of("--activations", "fp32");

    @Test
    void greedy_generation_with_processes_as_ranks_equals_one_rank(@TempDir Path dir) throws Exception {
        Path gguf = LlamaCheckpointTest.build(TensorType.Q8_0, dir).gguf();
        List<GenerateRankWorker.Step> want;
        String text;
        try (Device cpu = Devices.open("cpu"); Models.Loaded m = Models.load(gguf, AttentionFactory.singleRank(cpu), Integer.MAX_VALUE, Activations.FP32)) {
            want = GenerateRankWorker.generate(m.model(), m.tokenizer(), new Sampler(0, 1, 1), PROMPT, TOKENS, id -> { });
            text = m.tokenizer().decode(want.stream().mapToInt(GenerateRankWorker.Step::token).toArray());
        }
        assertEquals(TOKENS, want.size());
        for (int[] kt : new int[][]{{2, 2}, {2, 1}}) {
            String what = "seed " + LlamaCheckpointTest.SEED + ", KVP " + kt[0] + " x TPA " + kt[1] + " processes";
            double worst = RankProcesses.assertSameAsOneRank(want, RankProcesses.generate(gguf, kt[0], kt[1], PROMPT, TOKENS, Map.of(), FP32), what);
            System.out.printf("tiny llama Q8_0, KVP %d x TPA %d processes: every rank generated %s|%s (%d tokens, one rank's; logits equal "
                    + "across ranks, worst |Δ| / (1 + max|logit|) vs one rank %.2e; seed %d)%n", kt[0], kt[1], PROMPT, text, TOKENS, worst, LlamaCheckpointTest.SEED);
        }
    }

    /**
     * KVP 2 × TPA 1 with both groups as NCCL communicators over kiln-core's stand-in libnccl and libcuda (see
     * NcclCommunicatorStandInTest in kiln-collective for what they prove): the (O, LSE) all-to-all, the all-reduces
     * and the token agreement through NCCL calls, data staged through the (stand-in) device. GPU run pending.
     */
    @Test
    void greedy_generation_over_nccl_stand_ins_equals_one_rank(@TempDir Path dir) throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/cc")), "no C compiler (/usr/bin/cc) to build the stand-in libnccl and libcuda");
        Path src = Path.of("../kiln-core/src/test/c").toAbsolutePath().normalize();
        for (String[] lib : new String[][]{{"fake_libnccl.c", "libnccl.so.2"}, {"fake_libcuda.c", "libcuda.so.1"}}) {
            Process cc = new ProcessBuilder("cc", "-shared", "-fPIC", "-O1", "-o", dir.resolve(lib[1]).toString(), src.resolve(lib[0]).toString(), "-lm")
                    .redirectErrorStream(true).start();
            String out = new String(cc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(cc.waitFor(60, TimeUnit.SECONDS) && cc.exitValue() == 0, lib[0] + " did not compile:\n" + out);
        }
        Path gguf = LlamaCheckpointTest.build(TensorType.Q8_0, dir).gguf();
        List<GenerateRankWorker.Step> want = RankProcesses.oneRank(gguf, Activations.FP32, PROMPT, TOKENS);
        String what = "seed " + LlamaCheckpointTest.SEED + ", KVP 2 x TPA 1 processes over NCCL stand-ins";
        double worst = RankProcesses.assertSameAsOneRank(want, RankProcesses.generate(gguf, 2, 1, PROMPT, TOKENS,
                Map.of("LD_LIBRARY_PATH", dir.toString()), List.of("--transport", "nccl", "--activations", "fp32")), what);
        System.out.printf("tiny llama Q8_0, KVP 2 x TPA 1 processes over NCCL stand-ins: one rank's %d tokens on every rank, worst %.2e (seed %d)%n",
                TOKENS, worst, LlamaCheckpointTest.SEED);
    }
}
