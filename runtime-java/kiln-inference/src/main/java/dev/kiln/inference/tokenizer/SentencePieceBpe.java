package dev.kiln.inference.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;

/**
 * Llama's SentencePiece BPE from GGUF metadata ({@code tokenizer.ggml.model = llama}): the text gets a leading space
 * and every space becomes {@code ▁}; starting from single characters, the adjacent pair whose concatenation is a
 * vocabulary piece of the highest score is merged (leftmost on ties) until none is; a piece left outside the
 * vocabulary falls back to its UTF-8 bytes as {@code <0xXX>} tokens. This is llama.cpp's {@code llm_tokenizer_spm}.
 */
public final class SentencePieceBpe implements Tokenizer {
    private static final String SPACE = "\u2581";
    private final List<String> pieces;
    private final float[] scores;
    private final Map<String, Integer> ids = new HashMap<>();
    private final int[] byteTokens = new int[256];
    private final int bos, eos;
    private final boolean addSpacePrefix;

    /** GGUF's token types ({@code tokenizer.ggml.token_type}): only normal and user-defined pieces are merge results. */
    public static final int NORMAL = 1, USER_DEFINED = 4;
    private final boolean[] mergeable;

    /**
     * @param types GGUF token types per token, or null to let every piece be a merge result
     */
    public SentencePieceBpe(List<String> pieces, float[] scores, int[] types, int bos, int eos, boolean addSpacePrefix) {
        if (pieces.size() != scores.length) throw new IllegalArgumentException("tokenizer has " + pieces.size() + " tokens and " + scores.length + " scores");
        if (types != null && types.length != pieces.size()) throw new IllegalArgumentException("tokenizer has " + pieces.size() + " tokens and " + types.length + " token types");
        this.mergeable = new boolean[pieces.size()];
        for (int i = 0; i < mergeable.length; i++) mergeable[i] = types == null || types[i] == NORMAL || types[i] == USER_DEFINED;
        this.pieces = List.copyOf(pieces);
        this.scores = scores.clone();
        this.bos = bos;
        this.eos = eos;
        this.addSpacePrefix = addSpacePrefix;
        java.util.Arrays.fill(byteTokens, -1);
        for (int i = 0; i < pieces.size(); i++) {
            String p = pieces.get(i);
            ids.putIfAbsent(p, i);
            if (p.length() == 6 && p.startsWith("<0x") && p.endsWith(">")) {
                try {
                    byteTokens[Integer.parseInt(p.substring(3, 5), 16)] = i;
                } catch (NumberFormatException ignored) {
                    // an ordinary piece that merely looks like a byte token
                }
            }
        }
    }

    @Override public int vocabSize() { return pieces.size(); }

    @Override public int bos() { return bos; }

    @Override public int eos() { return eos; }

    private static final class Symbol {
        String text;
        int prev, next;
        Symbol(String text, int prev, int next) { this.text = text; this.prev = prev; this.next = next; }
    }

    private record Candidate(int left, int right, float score, String merged) {}

    @Override
    public int[] encode(String text) {
        if (text.isEmpty()) return new int[0];
        String s = (addSpacePrefix ? " " + text : text).replace(" ", SPACE);
        List<Symbol> sym = new ArrayList<>();
        for (int i = 0; i < s.length(); ) {
            int n = Character.charCount(s.codePointAt(i));
            sym.add(new Symbol(s.substring(i, i + n), sym.size() - 1, sym.size() + 1));
            i += n;
        }
        sym.getLast().next = -1;
        PriorityQueue<Candidate> queue = new PriorityQueue<>((a, b) -> a.score != b.score ? Float.compare(b.score, a.score) : Integer.compare(a.left, b.left));
        for (int i = 0; i + 1 < sym.size(); i++) offer(queue, sym, i, i + 1);
        while (!queue.isEmpty()) {
            Candidate c = queue.poll();
            Symbol l = sym.get(c.left), r = sym.get(c.right);
            // Stale: one side was merged away or changed since this pair was queued.
            if (l.text.isEmpty() || r.text.isEmpty() || l.next != c.right || !(l.text + r.text).equals(c.merged)) continue;
            l.text = c.merged;
            r.text = "";
            l.next = r.next;
            if (r.next >= 0) sym.get(r.next).prev = c.left;
            if (l.prev >= 0) offer(queue, sym, l.prev, c.left);
            if (l.next >= 0) offer(queue, sym, c.left, l.next);
        }
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i >= 0; i = sym.get(i).next) {
            String piece = sym.get(i).text;
            Integer id = ids.get(piece);
            if (id != null && mergeable[id]) {
                out.add(id);
                continue;
            }
            for (byte b : piece.getBytes(StandardCharsets.UTF_8)) {
                int t = byteTokens[b & 0xff];
                if (t < 0) throw new IllegalArgumentException(String.format("'%s' is not in the vocabulary and it has no byte token <0x%02X>", piece, b & 0xff));
                out.add(t);
            }
        }
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    private void offer(PriorityQueue<Candidate> q, List<Symbol> sym, int left, int right) {
        String merged = sym.get(left).text + sym.get(right).text;
        Integer id = ids.get(merged);
        if (id != null && mergeable[id]) q.add(new Candidate(left, right, scores[id], merged));
    }

    @Override
    public byte[] bytes(int id) {
        if (id < 0 || id >= pieces.size()) throw new IllegalArgumentException("token " + id + " is outside [0, " + pieces.size() + ")");
        String p = pieces.get(id);
        for (int b = 0; b < 256; b++) if (byteTokens[b] == id) return new byte[]{(byte) b};
        if (id == bos || id == eos) return new byte[0];
        return p.replace(SPACE, " ").getBytes(StandardCharsets.UTF_8);
    }

    /** Decoding drops the space the encoder put in front. */
    @Override
    public String decode(int[] ids) {
        String s = Tokenizer.super.decode(ids);
        return addSpacePrefix && s.startsWith(" ") ? s.substring(1) : s;
    }
}
