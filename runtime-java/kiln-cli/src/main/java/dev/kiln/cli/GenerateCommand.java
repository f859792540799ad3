package dev.kiln.cli;

import dev.kiln.device.Device;
import dev.kiln.device.Devices;
import dev.kiln.inference.model.AttentionFactory;
import dev.kiln.inference.model.Generator;
import dev.kiln.inference.model.Models;
import dev.kiln.inference.model.Sampler;
import dev.kiln.inference.quant.Activations;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code kiln generate}: text from a checkpoint (Kiln's char-GPT as written by {@code kiln train --save}, or a
 * Llama-family GGUF / safetensors file), streamed as it is produced, with time to first token and tokens/s.
 */
@Command(name = "generate", mixinStandardHelpOptions = true,
        description = "Generate text from a checkpoint (char-GPT safetensors from `kiln train --save`, Llama GGUF or safetensors); streams tokens, prints tokens/s.")
final class GenerateCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, description = "A .safetensors or .gguf checkpoint.")
    Path model;

    @Option(names = "--prompt", defaultValue = "", description = "Text to continue (default: empty, which needs a BOS token).")
    String prompt;

    @Option(names = "--tokens", defaultValue = "200", description = "Tokens to generate (default: ${DEFAULT-VALUE}).")
    int tokens;

    @Option(names = "--temperature", defaultValue = "0.8", description = "Softmax temperature; 0 = greedy (default: ${DEFAULT-VALUE}, as llama.cpp's).")
    double temperature;

    @Option(names = "--top-p", defaultValue = "0.95", description = "Nucleus mass (default: ${DEFAULT-VALUE}).")
    double topP;

    @Option(names = "--seed", defaultValue = "1", description = "Sampling seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--kvp", defaultValue = "1", description = "Helix KV-parallel ranks (emulated as threads; default: ${DEFAULT-VALUE}).")
    int kvp;

    @Option(names = "--tpa", defaultValue = "1", description = "Helix attention tensor-parallel ranks, dividing the KV heads (default: ${DEFAULT-VALUE}).")
    int tpa;

    @Option(names = "--hop-b", defaultValue = "off", description = "off; on needs micro-batches, and generate decodes one sequence (default: ${DEFAULT-VALUE}).")
    String hopB;

    @Option(names = "--backend", defaultValue = "cpu", description = "Device backend of the attention kernels (default: ${DEFAULT-VALUE}).")
    String backend;

    @Option(names = "--cache", defaultValue = "4096", description = "Most positions in the KV cache of a Llama model (default: ${DEFAULT-VALUE}; the char-GPT caches its context).")
    int cache;

    @Option(names = "--activations", defaultValue = "int8", description = "How q8_0/q4_0 weights take their activations: int8 (quantized per block "
            + "of 32 as llama.cpp does; int8 dot products, AVX-512 VNNI) or fp32 (exact up to fp32 sums, slower) (default: ${DEFAULT-VALUE}).")
    String activations;

    @Option(names = "--json", description = "Print the numbers as JSON on stdout (the text goes to stderr).")
    boolean json;

    @Override
    public Integer call() throws Exception {
        if (tokens < 0) throw new IllegalArgumentException("--tokens = " + tokens + "; must be >= 0");
        if (kvp < 1) throw new IllegalArgumentException("--kvp = " + kvp + "; must be >= 1");
        if (tpa < 1) throw new IllegalArgumentException("--tpa = " + tpa + "; must be >= 1");
        if (cache < 1) throw new IllegalArgumentException("--cache = " + cache + "; must be >= 1");
        switch (hopB) {
            case "off" -> { }
            case "on" -> throw new IllegalArgumentException("--hop-b = on: HOP-B overlaps micro-batches, and generate decodes one sequence; allowed: off");
            default -> throw new IllegalArgumentException("--hop-b = '" + hopB + "'; allowed: on, off");
        }
        Activations acts = Activations.parse(activations);
        Sampler sampler = new Sampler(temperature, topP, seed);
        PrintStream text = json ? System.err : System.out;
        try (Device device = Devices.open(backend);
             Models.Loaded m = Models.load(model, AttentionFactory.helix(device, kvp, tpa), cache, acts)) {
            if (m.tokenizer() == null) throw new IllegalArgumentException(model.getFileName() + ": the checkpoint has no tokenizer metadata (tokenizer.ggml.*)");
            System.err.println("kiln generate: " + m.model().describe() + ", " + device.info().backend() + " backend");
            text.print(prompt);
            text.flush();
            Generator.Stats s = new Generator(m.model(), m.tokenizer(), sampler).generate(prompt, tokens, (id, piece) -> {
                text.print(piece);
                text.flush();
            });
            text.println();
            long bytes = m.model().weightBytesPerToken();
            if (json) {
                Map<String, Object> out = new LinkedHashMap<>();
                out.put("model", model.toString());
                out.put("describe", m.model().describe());
                out.put("promptTokens", s.promptTokens());
                out.put("generatedTokens", s.generatedTokens());
                out.put("timeToFirstTokenSeconds", s.timeToFirstTokenSeconds());
                out.put("decodeTokensPerSecond", s.decodeTokensPerSecond());
                out.put("weightBytesPerToken", bytes);
                out.put("contextShifts", s.contextShifts());
                out.put("kvp", kvp);
                out.put("tpa", tpa);
                System.out.println(Json.write(out));
            } else {
                System.err.printf("kiln generate: %d prompt tokens, %d generated; time to first token %.3f s, decode %.1f tokens/s (%.1f MB of weights per token)%n",
                        s.promptTokens(), s.generatedTokens(), s.timeToFirstTokenSeconds(), s.decodeTokensPerSecond(), bytes / 1e6);
            }
        }
        return 0;
    }
}
