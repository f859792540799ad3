package dev.kiln.inference.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/** Kiln's char-GPT vocabulary: token i is character i of the vocabulary string. */
public final class CharTokenizer implements Tokenizer {
    private final String vocab;
    private final Map<Character, Integer> index = new HashMap<>();

    public CharTokenizer(String vocab) {
        this.vocab = vocab;
        for (int i = 0; i < vocab.length(); i++) {
            if (index.put(vocab.charAt(i), i) != null) throw new IllegalArgumentException("vocab repeats character U+" + String.format("%04X", (int) vocab.charAt(i)));
        }
    }

    @Override public int vocabSize() { return vocab.length(); }

    @Override
    public int[] encode(String text) {
        int[] ids = new int[text.length()];
        for (int i = 0; i < ids.length; i++) {
            Integer id = index.get(text.charAt(i));
            if (id == null) {
                throw new IllegalArgumentException(String.format("character '%c' (U+%04X) at %d is not in the model's vocabulary of %d characters",
                        text.charAt(i), (int) text.charAt(i), i, vocab.length()));
            }
            ids[i] = id;
        }
        return ids;
    }

    @Override
    public byte[] bytes(int id) {
        if (id < 0 || id >= vocab.length()) throw new IllegalArgumentException("token " + id + " is outside [0, " + vocab.length() + ")");
        return String.valueOf(vocab.charAt(id)).getBytes(StandardCharsets.UTF_8);
    }
}
