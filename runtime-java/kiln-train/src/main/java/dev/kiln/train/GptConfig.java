package dev.kiln.train;

/**
 * Shape of the character-level decoder: {@code layers} pre-norm blocks of causal multi-head attention and a
 * GELU MLP ({@code 4 * dim} hidden), learned token and position embeddings, output head tied to the token
 * embedding.
 *
 * @param vocab   number of distinct tokens (characters)
 * @param context sequence length T the model attends over
 * @param dim     embedding width C, a multiple of {@code heads}
 * @param layers  number of transformer blocks
 * @param heads   attention heads per block
 */
public record GptConfig(int vocab, int context, int dim, int layers, int heads) {
    public GptConfig {
        positive("vocab", vocab);
        positive("context", context);
        positive("dim", dim);
        positive("layers", layers);
        positive("heads", heads);
        if (dim % heads != 0) {
            throw new IllegalArgumentException("dim = " + dim + " is not a multiple of heads = " + heads);
        }
    }

    public int headDim() { return dim / heads; }

    public int hidden() { return 4 * dim; }

    private static void positive(String name, int v) {
        if (v <= 0) throw new IllegalArgumentException(name + " = " + v + "; must be > 0");
    }
}
