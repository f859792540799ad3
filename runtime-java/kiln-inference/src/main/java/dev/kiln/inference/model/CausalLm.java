package dev.kiln.inference.model;

/** A decoder-only language model that takes one token at a time and keeps its KV cache between steps. */
public interface CausalLm extends AutoCloseable {
    int vocabSize();

    /** Most positions the model attends over (its trained context, or the cache capacity). */
    int contextLength();

    /** Positions consumed since the last {@link #reset}. */
    int position();

    /** Feeds {@code token} at {@link #position()} and returns the next-token logits. */
    float[] step(int token);

    /** Empties the KV cache: the next step is position 0. */
    void reset();

    /** Architecture, size and attention layout, for reports. */
    String describe();

    /** Weight bytes one decode step reads (every matrix once). */
    long weightBytesPerToken();

    @Override
    void close();
}
