package dev.kiln.inference.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * GPT-2's byte-level BPE from GGUF metadata ({@code tokenizer.ggml.model = gpt2}: tokens and merges): the text is
 * cut by GPT-2's pre-tokenizer pattern, each piece's UTF-8 bytes are mapped to printable characters
 * ({@code bytes_to_unicode}), and the pair of lowest merge rank is merged until none is left in the merges.
 */
public final class ByteLevelBpe implements Tokenizer {
    /** The whitespace of GPT-2's pattern as JavaScript defines {@code \s}, as the reference encoders run it (Java's {@code \s} lacks the Unicode spaces). */
    private static final String WS = "\\t\\n\\u000B\\f\\r \\u00A0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000\\uFEFF";
    /** GPT-2's pre-tokenizer (encoder.py). */
    static final Pattern GPT2 = Pattern.compile("'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^" + WS + "\\p{L}\\p{N}]+|[" + WS + "]+(?![^" + WS + "])|[" + WS + "]+");
    /** Llama 3's pre-tokenizer ({@code tokenizer.ggml.pre = llama-bpe}): case-insensitive contractions, digits in threes. */
    static final Pattern LLAMA3 = Pattern.compile("(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^" + WS
            + "\\p{L}\\p{N}]+[\\r\\n]*|[" + WS + "]*[\\r\\n]+|[" + WS + "]+(?![^" + WS + "])|[" + WS + "]+");

    /** How text is cut before BPE; Llama 3's also takes a piece that is a whole token as it is ({@code ignore_merges}). */
    public enum Pretokenizer {
        GPT2(ByteLevelBpe.GPT2, false), LLAMA3(ByteLevelBpe.LLAMA3, true);

        final Pattern pattern;
        final boolean ignoreMerges;

        Pretokenizer(Pattern pattern, boolean ignoreMerges) {
            this.pattern = pattern;
            this.ignoreMerges = ignoreMerges;
        }

        /** From GGUF's {@code tokenizer.ggml.pre}; absent or {@code gpt-2}/{@code default}: GPT-2's. */
        public static Pretokenizer ofGguf(String pre) {
            return switch (pre == null ? "default" : pre) {
                case "default", "gpt-2", "gpt2" -> GPT2;
                case "llama-bpe", "llama3" -> LLAMA3;
                default -> throw new IllegalArgumentException("tokenizer.ggml.pre = '" + pre + "'; supported: default, gpt-2, llama-bpe");
            };
        }
    }
    private static final char[] BYTE_TO_CHAR = new char[256];
    private static final Map<Character, Integer> CHAR_TO_BYTE = new HashMap<>();

    static {
        int n = 0;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            BYTE_TO_CHAR[b] = printable ? (char) b : (char) (256 + n++);
            CHAR_TO_BYTE.put(BYTE_TO_CHAR[b], b);
        }
    }

    private final List<String> tokens;
    private final Map<String, Integer> ids = new HashMap<>();
    private final Map<String, Integer> ranks = new HashMap<>();
    private final int bos, eos;
    private final Pretokenizer pre;
    private final Map<String, int[]> cache = new HashMap<>();

    public ByteLevelBpe(List<String> tokens, List<String> merges, int bos, int eos) {
        this(tokens, merges, bos, eos, Pretokenizer.GPT2);
    }

    public ByteLevelBpe(List<String> tokens, List<String> merges, int bos, int eos, Pretokenizer pre) {
        this.pre = pre;
        this.tokens = List.copyOf(tokens);
        for (int i = 0; i < tokens.size(); i++) ids.putIfAbsent(tokens.get(i), i);
        for (int i = 0; i < merges.size(); i++) {
            String m = merges.get(i);
            int sp = m.indexOf(' ');
            if (sp <= 0) throw new IllegalArgumentException("merge " + i + " '" + m + "' is not two symbols separated by a space");
            ranks.putIfAbsent(m.substring(0, sp) + "\u0000" + m.substring(sp + 1), i);
        }
        this.bos = bos;
        this.eos = eos;
    }

    @Override public int vocabSize() { return tokens.size(); }

    @Override public int bos() { return bos; }

    @Override public int eos() { return eos; }

    @Override
    public int[] encode(String text) {
        List<Integer> out = new ArrayList<>();
        Matcher m = pre.pattern.matcher(text);
        while (m.find()) {
            byte[] b = m.group().getBytes(StandardCharsets.UTF_8);
            StringBuilder s = new StringBuilder(b.length);
            for (byte x : b) s.append(BYTE_TO_CHAR[x & 0xff]);
            for (int id : cache.computeIfAbsent(s.toString(), this::bpe)) out.add(id);
        }
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    private int[] bpe(String word) {
        if (pre.ignoreMerges && ids.containsKey(word)) return new int[]{ids.get(word)};
        List<String> parts = new ArrayList<>();
        for (int i = 0; i < word.length(); i++) parts.add(String.valueOf(word.charAt(i)));
        while (parts.size() > 1) {
            int best = -1, bestRank = Integer.MAX_VALUE;
            for (int i = 0; i + 1 < parts.size(); i++) {
                Integer r = ranks.get(parts.get(i) + "\u0000" + parts.get(i + 1));
                if (r != null && r < bestRank) {
                    bestRank = r;
                    best = i;
                }
            }
            if (best < 0) break;
            // Merge every occurrence of the pair, left to right, as GPT-2's encoder does.
            String a = parts.get(best), b = parts.get(best + 1);
            List<String> next = new ArrayList<>();
            for (int i = 0; i < parts.size(); i++) {
                if (i + 1 < parts.size() && parts.get(i).equals(a) && parts.get(i + 1).equals(b)) {
                    next.add(a + b);
                    i++;
                } else {
                    next.add(parts.get(i));
                }
            }
            parts = next;
        }
        int[] out = new int[parts.size()];
        for (int i = 0; i < out.length; i++) {
            Integer id = ids.get(parts.get(i));
            if (id == null) throw new IllegalArgumentException("BPE piece '" + parts.get(i) + "' is not in the vocabulary");
            out[i] = id;
        }
        return out;
    }

    @Override
    public byte[] bytes(int id) {
        if (id < 0 || id >= tokens.size()) throw new IllegalArgumentException("token " + id + " is outside [0, " + tokens.size() + ")");
        String t = tokens.get(id);
        byte[] out = new byte[t.length()];
        for (int i = 0; i < t.length(); i++) {
            Integer b = CHAR_TO_BYTE.get(t.charAt(i));
            if (b == null) return t.getBytes(StandardCharsets.UTF_8);   // a special token written as text
            out[i] = (byte) (int) b;
        }
        return out;
    }
}
