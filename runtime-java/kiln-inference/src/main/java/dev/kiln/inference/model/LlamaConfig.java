package dev.kiln.inference.model;

import dev.kiln.inference.tensor.Checkpoint;
import dev.kiln.inference.tensor.Metadata;

/**
 * The hyper-parameters of a Llama-family model, from the checkpoint's metadata under GGUF's keys
 * ({@code llama.embedding_length}, {@code llama.attention.head_count_kv}, {@code llama.rope.freq_base}, ...;
 * a safetensors file carries the same keys as strings in {@code __metadata__}).
 *
 * @param ropeInterleaved RoPE rotates adjacent pairs {@code (2i, 2i+1)}: GGUF's layout, whose converters permute
 *                        the Q and K rows for it; false for Hugging Face's rotate-half pairs {@code (i, i + d/2)}
 */
public record LlamaConfig(int vocab, int dim, int layers, int heads, int kvHeads, int ffn, int context, int ropeDims,
                          double ropeTheta, double rmsEps, boolean ropeInterleaved, boolean gguf) {
    public LlamaConfig {
        positive("vocab", vocab);
        positive("embedding_length", dim);
        positive("block_count", layers);
        positive("head_count", heads);
        positive("head_count_kv", kvHeads);
        positive("feed_forward_length", ffn);
        positive("context_length", context);
        if (dim % heads != 0) throw new IllegalArgumentException("embedding_length = " + dim + " is not a multiple of head_count = " + heads);
        if (heads % kvHeads != 0) throw new IllegalArgumentException("head_count = " + heads + " is not a multiple of head_count_kv = " + kvHeads);
        if (ropeDims <= 0 || ropeDims > dim / heads || ropeDims % 2 != 0) {
            throw new IllegalArgumentException("rope.dimension_count = " + ropeDims + "; must be even and in (0, head dim " + dim / heads + "]");
        }
        if (!(ropeTheta > 0)) throw new IllegalArgumentException("rope.freq_base = " + ropeTheta + "; must be > 0");
        if (!(rmsEps > 0)) throw new IllegalArgumentException("layer_norm_rms_epsilon = " + rmsEps + "; must be > 0");
    }

    private static void positive(String name, long v) {
        if (v <= 0) throw new IllegalArgumentException("llama." + name + " = " + v + "; must be > 0");
    }

    public int headDim() { return dim / heads; }

    /** The config of {@code ckpt}, or null when it is not a Llama checkpoint. */
    public static LlamaConfig of(Checkpoint ckpt) {
        Metadata m = ckpt.metadata();
        if (!"llama".equals(m.string("general.architecture", null))) return null;
        boolean gguf = ckpt.hasTensor("token_embd.weight");
        String embed = gguf ? "token_embd.weight" : "model.embed_tokens.weight";
        int dim = (int) m.integer("llama.embedding_length");
        int heads = (int) m.integer("llama.attention.head_count");
        long vocab = ckpt.tensor(embed).dim(0);
        return new LlamaConfig((int) vocab, dim, (int) m.integer("llama.block_count"), heads,
                (int) m.integer("llama.attention.head_count_kv", heads), (int) m.integer("llama.feed_forward_length"),
                (int) m.integer("llama.context_length"), (int) m.integer("llama.rope.dimension_count", dim / heads),
                m.real("llama.rope.freq_base", 10000.0), m.real("llama.attention.layer_norm_rms_epsilon", 1e-5), gguf, gguf);
    }
}
