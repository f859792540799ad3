package dev.kiln.inference.model;

import dev.kiln.inference.gguf.GgufFile;
import dev.kiln.inference.quant.Activations;
import dev.kiln.inference.safetensors.SafetensorsFile;
import dev.kiln.inference.tensor.Checkpoint;
import dev.kiln.inference.tokenizer.CharTokenizer;
import dev.kiln.inference.tokenizer.Tokenizer;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/** Opens a checkpoint file and builds the model and tokenizer it describes. */
public final class Models {
    private Models() {}

    /** A model, its tokenizer (null when the checkpoint carries none) and the checkpoint they read from; closing it closes both. */
    public record Loaded(Checkpoint checkpoint, CausalLm model, Tokenizer tokenizer) implements AutoCloseable {
        @Override
        public void close() {
            model.close();
            checkpoint.close();
        }
    }

    /** A {@code .gguf} or {@code .safetensors} file, told apart by its first bytes whatever its name. */
    public static Checkpoint open(Path file) throws IOException {
        byte[] head;
        try (InputStream in = Files.newInputStream(file)) {
            head = in.readNBytes(4);
        }
        if (head.length == 4 && head[0] == 'G' && head[1] == 'G' && head[2] == 'U' && head[3] == 'F') return GgufFile.open(file);
        return SafetensorsFile.open(file);
    }

    /** Loads with a KV cache of the model's full context. */
    public static Loaded load(Path file, AttentionFactory attention) throws IOException {
        return load(file, attention, Integer.MAX_VALUE);
    }

    /**
     * @param maxCache most positions the KV cache holds (a Llama's context can be 128K, whose cache would not fit);
     *                 the char-GPT always caches its whole trained context
     */
    public static Loaded load(Path file, AttentionFactory attention, int maxCache) throws IOException {
        return load(file, attention, maxCache, Activations.INT8);
    }

    /**
     * @param maxCache    as above
     * @param activations how a Llama's Q8_0 and Q4_0 weights take their activations (the char-GPT's weights are fp32)
     */
    public static Loaded load(Path file, AttentionFactory attention, int maxCache, Activations activations) throws IOException {
        Checkpoint ckpt = open(file);
        try {
            if (CharGptFormat.isCharGpt(ckpt)) {
                CharGpt m = new CharGpt(ckpt, attention);
                return new Loaded(ckpt, m, new CharTokenizer(m.config().vocab()));
            }
            LlamaConfig c = LlamaConfig.of(ckpt);
            if (c != null) {
                Llama m = new Llama(ckpt, c, attention, Math.min(maxCache, c.context()), activations);
                return new Loaded(ckpt, m, dev.kiln.inference.tokenizer.Tokenizers.fromMetadata(ckpt));
            }
            throw new IllegalArgumentException(file.getFileName() + ": not a model Kiln runs (no kiln.architecture = char-gpt, no general.architecture = llama)");
        } catch (RuntimeException e) {
            ckpt.close();
            throw e;
        }
    }
}
