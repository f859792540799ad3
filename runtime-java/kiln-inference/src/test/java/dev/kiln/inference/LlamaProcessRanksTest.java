package dev.kiln.inference;

import dev.kiln.device.Device;
import dev.kiln.device.Devices;
import dev.kiln.inference.model.AttentionFactory;
import dev.kiln.inference.model.GenerateRankWorker;
import dev.kiln.inference.model.Models;
import dev.kiln.inference.model.Sampler;
import dev.kiln.inference.tensor.TensorType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

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

    @Test
    void greedy_generation_with_processes_as_ranks_equals_one_rank(@TempDir Path dir) throws Exception {
        Path gguf = LlamaCheckpointTest.build(TensorType.Q8_0, dir).gguf();
        List<GenerateRankWorker.Step> want;
        String text;
        try (Device cpu = Devices.open("cpu"); Models.Loaded m = Models.load(gguf, AttentionFactory.singleRank(cpu))) {
            want = GenerateRankWorker.generate(m.model(), m.tokenizer(), new Sampler(0, 1, 1), PROMPT, TOKENS, id -> { });
            text = m.tokenizer().decode(want.stream().mapToInt(GenerateRankWorker.Step::token).toArray());
        }
        assertEquals(TOKENS, want.size());
        for (int[] kt : new int[][]{{2, 2}, {2, 1}}) {
            String what = "seed " + LlamaCheckpointTest.SEED + ", KVP " + kt[0] + " x TPA " + kt[1] + " processes";
            double worst = RankProcesses.assertSameAsOneRank(want, RankProcesses.generate(gguf, kt[0], kt[1], PROMPT, TOKENS), what);
            System.out.printf("tiny llama Q8_0, KVP %d x TPA %d processes: every rank generated %s|%s (%d tokens, one rank's; logits equal "
                    + "across ranks, worst |Δ| / (1 + max|logit|) vs one rank %.2e; seed %d)%n", kt[0], kt[1], PROMPT, text, TOKENS, worst, LlamaCheckpointTest.SEED);
        }
    }
}
