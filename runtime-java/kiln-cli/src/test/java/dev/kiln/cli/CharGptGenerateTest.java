package dev.kiln.cli;

import dev.kiln.collective.lossy.LossPolicy;
import dev.kiln.device.Device;
import dev.kiln.device.Devices;
import dev.kiln.inference.model.AttentionFactory;
import dev.kiln.inference.model.Generator;
import dev.kiln.inference.model.Models;
import dev.kiln.inference.model.Sampler;
import dev.kiln.train.CharCorpus;
import dev.kiln.train.DataSharding;
import dev.kiln.train.Gpt;
import dev.kiln.train.Optimizer;
import dev.kiln.train.ParameterLayout;
import dev.kiln.train.RunSpec;
import dev.kiln.train.TrainPreset;
import dev.kiln.train.TrainRunner;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A char-GPT trained by Kiln's trainer, saved as safetensors and decoded by the inference path (GEMV, paged KV
 * cache, split-KV attention): every step's logits against the trainer's own forward pass over the same window,
 * greedy tokens equal wherever the reference's top two differ by more than the bound, the {@link Generator}'s
 * window shifts as documented, and Helix KVP × TPA ranks giving the same tokens as one rank.
 */
class CharGptGenerateTest {
    static final long SEED = Long.getLong("kiln.test.seed", 7);
    static final TrainPreset PRESET = new TrainPreset("test", 32, 32, 2, 4, 8, 150, 10, 3e-3, 0.1, 1.0, 30, 8, 8,
            Optimizer.Kind.ADAMW, DataSharding.CONTIGUOUS);
    static CharCorpus corpus;
    static float[] params;
    static ParameterLayout layout;
    @TempDir static Path dir;
    static Path file;

    /** Sentences from a small grammar: text with structure a short run can learn. */
    static String text(int chars, long seed) {
        String[] subjects = {"the LORD", "Moses", "the people", "he", "they", "the king"};
        String[] verbs = {"said unto", "went up to", "spake unto", "came to", "gave to"};
        String[] objects = {"the children of Israel", "Aaron", "the priest", "them", "him", "the land"};
        SplittableRandom r = new SplittableRandom(seed);
        StringBuilder s = new StringBuilder();
        while (s.length() < chars) {
            s.append("And ").append(subjects[r.nextInt(subjects.length)]).append(' ').append(verbs[r.nextInt(verbs.length)])
                    .append(' ').append(objects[r.nextInt(objects.length)]).append(r.nextInt(4) == 0 ? ".\n" : ", ");
        }
        return s.toString();
    }

    @BeforeAll
    static void train() throws Exception {
        corpus = new CharCorpus(text(60_000, SEED), 0.1);
        TrainRunner runner = TrainRunner.inProcess(corpus);
        runner.run(new RunSpec(PRESET, 1, 0.0, LossPolicy.RELIABLE, SEED), step -> { });
        params = runner.lastParameters();
        layout = new ParameterLayout(PRESET.model(corpus.vocabSize()));
        file = dir.resolve("chargpt.safetensors");
        CharGptExport.write(file, layout, params, corpus.vocabulary());
    }

    /** The trainer's logits for the last token of {@code window} (positions from 0; padded to the context, which causality ignores). */
    static float[] reference(Gpt gpt, Gpt.Workspace ws, List<Integer> window) {
        int t = PRESET.context(), v = corpus.vocabSize();
        int[] tokens = new int[t];
        for (int i = 0; i < window.size(); i++) tokens[i] = window.get(i);
        float[] all = gpt.logits(params, tokens, ws);
        return Arrays.copyOfRange(all, (window.size() - 1) * v, window.size() * v);
    }

    @Test
    void decoding_matches_the_trainers_forward_pass_and_the_generator() throws Exception {
        Gpt gpt = new Gpt(layout);
        Gpt.Workspace ws = gpt.workspace(1);
        String prompt = "And the LORD said unto ";
        int steps = 100, context = PRESET.context();
        try (Device cpu = Devices.open("cpu"); Models.Loaded m = Models.load(file, AttentionFactory.singleRank(cpu))) {
            List<Integer> window = new ArrayList<>();
            int[] promptIds = m.tokenizer().encode(prompt);
            List<Integer> greedy = new ArrayList<>();
            float[] logits = null;
            double worst = 0;
            int nearTies = 0;
            int next = -1;
            for (int i = 0; i < promptIds.length + steps - 1; i++) {
                int token = i < promptIds.length ? promptIds[i] : next;
                if (window.size() == context) {   // the documented shift: keep the last half, from position 0
                    List<Integer> tail = new ArrayList<>(window.subList(context / 2, context));
                    window.clear();
                    m.model().reset();
                    for (int t : tail) {
                        window.add(t);
                        m.model().step(t);
                    }
                }
                window.add(token);
                logits = m.model().step(token);
                float[] want = reference(gpt, ws, window);
                double scale = 0, err = 0;
                for (int j = 0; j < want.length; j++) {
                    scale = Math.max(scale, Math.abs(want[j]));
                    err = Math.max(err, Math.abs(logits[j] - want[j]));
                }
                double bound = 1e-5 * (1 + scale);
                worst = Math.max(worst, err / (1 + scale));
                assertTrue(err <= bound, "seed " + SEED + ", step " + i + ": |logits - trainer's| = " + err + " > " + bound);
                if (i >= promptIds.length - 1) {
                    next = Sampler.argmax(logits);
                    int ref = Sampler.argmax(want);
                    float[] sorted = want.clone();
                    Arrays.sort(sorted);
                    if (sorted[sorted.length - 1] - sorted[sorted.length - 2] > 2 * bound) assertEquals(ref, next, "step " + i);
                    else nearTies++;
                    greedy.add(next);
                }
            }
            System.out.printf("char-GPT vs trainer: worst |Δlogit| / (1 + max|logit|) = %.2e over %d steps, %d near-ties%n", worst, promptIds.length + steps - 1, nearTies);
            List<Integer> generated = new ArrayList<>();
            Generator.Stats s = new Generator(m.model(), m.tokenizer(), new Sampler(0, 1, 1)).generate(prompt, steps, (id, piece) -> generated.add(id));
            assertEquals(greedy, generated, "the Generator's tokens and window shifts");
            assertEquals(steps, s.generatedTokens());
            assertTrue(s.contextShifts() > 0);
            System.out.println("generated: " + prompt + m.tokenizer().decode(generated.stream().mapToInt(Integer::intValue).toArray()));
        }
    }

    @Test
    void helix_ranks_give_the_tokens_of_one_rank() throws Exception {
        int[][] mappings = {{1, 1}, {4, 2}, {2, 4}, {3, 1}, {1, 4}};
        int[] first = null;
        float[][] firstLogits = null;
        int[] forced = corpus.vocabulary().isEmpty() ? null : new dev.kiln.inference.tokenizer.CharTokenizer(corpus.vocabulary())
                .encode(text(200, SEED + 1).substring(0, PRESET.context()));
        try (Device cpu = Devices.open("cpu")) {
            for (int[] kt : mappings) {
                try (Models.Loaded m = Models.load(file, AttentionFactory.helix(cpu, kt[0], kt[1]))) {
                    // Logits over a whole context of teacher-forced tokens: each KVP rank holds some of the positions.
                    float[][] logits = new float[forced.length][];
                    for (int i = 0; i < forced.length; i++) logits[i] = m.model().step(forced[i]);
                    if (firstLogits == null) firstLogits = logits;
                    for (int i = 0; i < forced.length; i++) {
                        for (int j = 0; j < logits[i].length; j++) {
                            assertEquals(firstLogits[i][j], logits[i][j], 1e-5 * (1 + Math.abs(firstLogits[i][j])),
                                    "KVP " + kt[0] + " x TPA " + kt[1] + ", position " + i + ", logit " + j);
                        }
                    }
                    List<Integer> out = new ArrayList<>();
                    new Generator(m.model(), m.tokenizer(), new Sampler(0, 1, 1)).generate("And Moses", 80, (id, piece) -> out.add(id));
                    int[] ids = out.stream().mapToInt(Integer::intValue).toArray();
                    if (first == null) first = ids;
                    else assertArrayEquals(first, ids, "KVP " + kt[0] + " x TPA " + kt[1] + " vs one rank");
                }
            }
        }
    }
}
