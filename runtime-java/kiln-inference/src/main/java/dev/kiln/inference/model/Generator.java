package dev.kiln.inference.model;

import dev.kiln.inference.tokenizer.Tokenizer;

import java.util.ArrayList;
import java.util.List;

/**
 * Generates text with a {@link CausalLm}: feeds the prompt, then samples token after token, handing each to a
 * listener as it is produced. When the model's context is full, the window restarts with the last half of it
 * (re-fed from position 0, as a model with learned positions needs). Measures time to first token and decode
 * tokens/s.
 */
public final class Generator {
    /** Called with every generated token and the text it completes (empty while a UTF-8 character is partial). */
    @FunctionalInterface
    public interface TokenListener {
        void onToken(int token, String text);
    }

    /**
     * @param promptTokens           tokens fed before the first generated one (BOS included)
     * @param timeToFirstTokenSeconds from the start of the prompt to the first generated token
     * @param decodeTokensPerSecond  generated tokens after the first, per second of their steps
     */
    public record Stats(int promptTokens, int generatedTokens, double timeToFirstTokenSeconds, double decodeTokensPerSecond,
                        double totalSeconds, int contextShifts) {}

    private final CausalLm model;
    private final Tokenizer tokenizer;
    private final Sampler sampler;

    public Generator(CausalLm model, Tokenizer tokenizer, Sampler sampler) {
        if (tokenizer.vocabSize() > model.vocabSize()) {
            throw new IllegalArgumentException("the tokenizer has " + tokenizer.vocabSize() + " tokens, the model " + model.vocabSize());
        }
        this.model = model;
        this.tokenizer = tokenizer;
        this.sampler = sampler;
    }

    public Stats generate(String prompt, int maxTokens, TokenListener listener) {
        int[] ids = tokenizer.encode(prompt);
        List<Integer> history = new ArrayList<>();
        if (tokenizer.bos() >= 0) history.add(tokenizer.bos());
        for (int id : ids) history.add(id);
        return generate(history.stream().mapToInt(Integer::intValue).toArray(), maxTokens, listener);
    }

    /** Generates after {@code prompt} token ids (nothing is prepended). */
    public Stats generate(int[] prompt, int maxTokens, TokenListener listener) {
        if (prompt.length == 0) throw new IllegalArgumentException("the prompt is empty (and the tokenizer has no BOS token)");
        if (maxTokens < 0) throw new IllegalArgumentException("tokens = " + maxTokens + "; must be >= 0");
        model.reset();
        List<Integer> history = new ArrayList<>();
        int[] shifts = {0};
        long t0 = System.nanoTime();
        float[] logits = null;
        for (int id : prompt) logits = feed(id, history, shifts);
        Tokenizer.Stream text = tokenizer.stream();
        long first = 0, last = 0;
        int generated = 0;
        for (; generated < maxTokens; generated++) {
            int next = sampler.next(logits);
            long now = System.nanoTime();
            if (generated == 0) first = now;
            last = now;
            listener.onToken(next, text.next(next));
            if (next == tokenizer.eos()) {
                generated++;
                break;
            }
            if (generated + 1 < maxTokens) logits = feed(next, history, shifts);
        }
        long end = System.nanoTime();
        double decodeSeconds = (last - first) / 1e9;
        return new Stats(prompt.length, generated, generated == 0 ? Double.NaN : (first - t0) / 1e9,
                generated > 1 ? (generated - 1) / decodeSeconds : Double.NaN, (end - t0) / 1e9, shifts[0]);
    }

    private float[] feed(int token, List<Integer> history, int[] shifts) {
        if (model.position() == model.contextLength()) {
            // The window restarts with the last half of the context, re-fed from position 0.
            int keep = model.contextLength() / 2;
            List<Integer> tail = List.copyOf(history.subList(history.size() - keep, history.size()));
            model.reset();
            history.clear();
            shifts[0]++;
            for (int t : tail) {
                model.step(t);
                history.add(t);
            }
        }
        history.add(token);
        return model.step(token);
    }
}
