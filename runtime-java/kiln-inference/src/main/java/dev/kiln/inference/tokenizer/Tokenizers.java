package dev.kiln.inference.tokenizer;

import dev.kiln.inference.tensor.Checkpoint;
import dev.kiln.inference.tensor.Metadata;

import java.util.List;

/** The tokenizer a checkpoint's metadata describes (GGUF's {@code tokenizer.ggml.*} keys). */
public final class Tokenizers {
    private Tokenizers() {}

    /** The checkpoint's tokenizer, or null when its metadata has none. */
    public static Tokenizer fromMetadata(Checkpoint ckpt) {
        Metadata m = ckpt.metadata();
        if (!m.has("tokenizer.ggml.model")) return null;
        String model = m.string("tokenizer.ggml.model");
        List<String> tokens = strings(m.list("tokenizer.ggml.tokens"));
        int bos = (int) m.integer("tokenizer.ggml.bos_token_id", -1), eos = (int) m.integer("tokenizer.ggml.eos_token_id", -1);
        return switch (model) {
            case "llama" -> {
                List<?> s = m.list("tokenizer.ggml.scores");
                float[] scores = new float[s.size()];
                for (int i = 0; i < scores.length; i++) scores[i] = ((Number) s.get(i)).floatValue();
                boolean prefix = !m.has("tokenizer.ggml.add_space_prefix") || Boolean.TRUE.equals(m.get("tokenizer.ggml.add_space_prefix"));
                int[] types = null;
                if (m.has("tokenizer.ggml.token_type")) {
                    List<?> t = m.list("tokenizer.ggml.token_type");
                    types = new int[t.size()];
                    for (int i = 0; i < types.length; i++) types[i] = ((Number) t.get(i)).intValue();
                }
                yield new SentencePieceBpe(tokens, scores, types, bos, eos, prefix);
            }
            case "gpt2" -> new ByteLevelBpe(tokens, strings(m.list("tokenizer.ggml.merges")), bos, eos,
                    ByteLevelBpe.Pretokenizer.ofGguf(m.string("tokenizer.ggml.pre", null)));
            default -> throw new IllegalArgumentException(ckpt.path().getFileName() + ": tokenizer.ggml.model = '" + model + "'; supported: llama, gpt2");
        };
    }

    private static List<String> strings(List<?> l) {
        return l.stream().map(o -> (String) o).toList();
    }
}
