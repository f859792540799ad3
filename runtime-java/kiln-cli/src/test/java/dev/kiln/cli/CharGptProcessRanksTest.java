package dev.kiln.cli;

import dev.kiln.collective.lossy.LossPolicy;
import dev.kiln.device.Device;
import dev.kiln.device.Devices;
import dev.kiln.inference.RankProcesses;
import dev.kiln.inference.model.AttentionFactory;
import dev.kiln.inference.model.GenerateRankWorker;
import dev.kiln.inference.model.Models;
import dev.kiln.inference.model.Sampler;
import dev.kiln.train.CharCorpus;
import dev.kiln.train.ParameterLayout;
import dev.kiln.train.RunSpec;
import dev.kiln.train.TrainRunner;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Helix with processes as ranks on Kiln's trained char-GPT (the fixture of {@link CharGptGenerateTest}: 2 layers,
 * 4 heads, context 32, trained on a small grammar and saved as safetensors): KVP 2 × TPA 2 and KVP 2 × TPA 1 worker
 * JVMs on loopback generate greedily past the context (so the window shifts and every rank resets its KV shard), and
 * every rank's tokens equal the one-rank in-process generation's, token for token, with its logits (see
 * {@link RankProcesses#assertSameAsOneRank}).
 */
class CharGptProcessRanksTest {
    static final String PROMPT = "And Moses";
    static final int TOKENS = 40;

    /** CharGptGenerateTest's char-GPT, trained in process and saved as {@code dir/chargpt.safetensors}. */
    static Path trainedModel(Path dir) throws Exception {
        CharCorpus corpus = new CharCorpus(CharGptGenerateTest.text(60_000, CharGptGenerateTest.SEED), 0.1);
        TrainRunner runner = TrainRunner.inProcess(corpus);
        runner.run(new RunSpec(CharGptGenerateTest.PRESET, 1, 0.0, LossPolicy.RELIABLE, CharGptGenerateTest.SEED), step -> { });
        Path file = dir.resolve("chargpt.safetensors");
        CharGptExport.write(file, new ParameterLayout(CharGptGenerateTest.PRESET.model(corpus.vocabSize())), runner.lastParameters(), corpus.vocabulary());
        return file;
    }

    @Test
    void greedy_generation_with_processes_as_ranks_equals_one_rank(@TempDir Path dir) throws Exception {
        Path file = trainedModel(dir);
        List<GenerateRankWorker.Step> want;
        String text;
        try (Device cpu = Devices.open("cpu"); Models.Loaded m = Models.load(file, AttentionFactory.singleRank(cpu))) {
            want = GenerateRankWorker.generate(m.model(), m.tokenizer(), new Sampler(0, 1, 1), PROMPT, TOKENS, id -> { });
            assertTrue(PROMPT.length() + TOKENS > CharGptGenerateTest.PRESET.context() + 1, "the generation should pass the context");
            text = m.tokenizer().decode(want.stream().mapToInt(GenerateRankWorker.Step::token).toArray());
        }
        assertEquals(TOKENS, want.size());
        for (int[] kt : new int[][]{{2, 2}, {2, 1}}) {
            String what = "seed " + CharGptGenerateTest.SEED + ", KVP " + kt[0] + " x TPA " + kt[1] + " processes";
            double worst = RankProcesses.assertSameAsOneRank(want, RankProcesses.generate(file, kt[0], kt[1], PROMPT, TOKENS), what);
            System.out.printf("char-GPT, KVP %d x TPA %d processes: every rank generated %s|%s (one rank's tokens; logits equal across ranks, "
                    + "worst |Δ| / (1 + max|logit|) vs one rank %.2e)%n", kt[0], kt[1], PROMPT, text.replace("\n", "\\n"), worst);
        }
    }
}
