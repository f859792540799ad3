package dev.kiln.examples;

import dev.kiln.device.Device;
import dev.kiln.device.Devices;
import dev.kiln.inference.model.AttentionFactory;
import dev.kiln.inference.model.CharGptFormat;
import dev.kiln.inference.model.Generator;
import dev.kiln.inference.model.Models;
import dev.kiln.inference.model.Sampler;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Text generation through the public API: a checkpoint (here a tiny char-GPT with random weights, written in Kiln's
 * safetensors format; {@code kiln train --save} writes a trained one), loaded memory-mapped, decoded on Kiln's
 * attention kernels, with every token handed to a callback as it is produced. Greedy decoding repeats exactly, on one
 * rank or on Helix KVP x TPA ranks; the example checks both and exits non-zero when a check fails.
 */
public final class GenerateWithCallback {
    private GenerateWithCallback() {}

    public static void main(String[] args) throws Exception {
        CharGptFormat.Config config = new CharGptFormat.Config(" abcdefghijklmnopqrstuvwxyz.,", 32, 32, 2, 4);
        Map<String, float[]> weights = new HashMap<>();
        SplittableRandom r = new SplittableRandom(42);
        for (CharGptFormat.Spec s : CharGptFormat.tensors(config)) {
            float[] v = new float[s.size()];
            boolean gain = s.name().endsWith(".g");
            for (int i = 0; i < v.length; i++) v[i] = gain ? 1f : (float) (0.3 * r.nextGaussian());
            weights.put(s.name(), v);
        }
        Path file = Files.createTempFile("kiln-example", ".safetensors");
        try {
            CharGptFormat.write(file, config, weights);
            String oneRank = generate(file, 1, 1), helix = generate(file, 2, 2);
            System.out.println();
            if (!oneRank.equals(helix)) {
                System.err.println("Helix 2 x 2 generated \"" + helix + "\", one rank \"" + oneRank + "\"");
                System.exit(1);
            }
        } finally {
            Files.deleteIfExists(file);
        }
    }

    private static String generate(Path file, int kvp, int tpa) throws Exception {
        try (Device cpu = Devices.open("cpu");
             Models.Loaded m = Models.load(file, AttentionFactory.helix(cpu, kvp, tpa))) {
            StringBuilder streamed = new StringBuilder();
            List<Integer> ids = new ArrayList<>();
            Generator generator = new Generator(m.model(), m.tokenizer(), new Sampler(0, 1, 1));
            Generator.Stats stats = generator.generate("the king said ", 48, (token, text) -> {
                ids.add(token);
                streamed.append(text);
                System.out.print(text);
            });
            System.out.printf("%n[%s: %d tokens, first after %.3f s, %.0f tokens/s]%n", m.model().describe(), stats.generatedTokens(),
                    stats.timeToFirstTokenSeconds(), stats.decodeTokensPerSecond());
            String decoded = m.tokenizer().decode(ids.stream().mapToInt(Integer::intValue).toArray());
            if (ids.size() != 48 || !decoded.equals(streamed.toString())) {
                System.err.println("the callback saw " + ids.size() + " tokens, text \"" + streamed + "\"; decode gives \"" + decoded + "\"");
                System.exit(1);
            }
            return decoded;
        }
    }
}
