package dev.kiln.inference.tokenizer;

import dev.kiln.inference.GgufTestWriter;
import dev.kiln.inference.gguf.GgufFile;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Kiln's tokenizers, built from GGUF metadata, against independent implementations from npm on a few hundred strings
 * (Unicode of many scripts, emoji, whitespace runs and Unicode spaces, byte fallback, contractions, digits): Llama 2's
 * vocabulary and SentencePiece BPE as llama-tokenizer-js 1.2.2 has them (scores from its merge order), GPT-2's
 * vocabulary, merges and byte-level BPE as gpt-3-encoder 1.1.4 has them, and Llama 3's (its pre-tokenizer, whole-token
 * pieces kept) as llama3-tokenizer-js 1.2.0 has them. {@code ./kiln test} installs the packages
 * ({@code npm ci} in {@code src/test/node}); without node and them the test is skipped and says why.
 */
class TokenizerReferenceTest {
    static final long SEED = Long.getLong("kiln.test.seed", System.nanoTime());
    static final Path NODE_DIR = Path.of("src/test/node").toAbsolutePath();
    static List<String> strings;
    static List<String> llamaVocab, llamaMerges, gpt2Vocab, gpt2Merges, llama3Vocab, llama3Merges;
    static List<int[]> llamaIds, gpt2Ids, llama3Ids;
    @TempDir static Path dir;

    static final String[] FIXED = {"", " ", "  ", "Hello world", "Hello  world", "\n\n", "\t tab", "  leading", "trailing  ",
            "It's we'll they're I'm you've he'd", "123 4567 89", "naïve café Grüße", "日本語のテキスト", "emoji 🦙🔥 test", "Ελληνικά",
            "русский текст", "mixed\r\nnewlines", "a\u00a0b\u2003c", "<s> </s> <unk>", "control \u0001\u0002 bytes", "𠜎𠜱𡃁",
            "$%^&*()_+-=[]{}|;:,.<>?/", "    code    indentation\n\tdef f(x):\n\t\treturn x", "\ufeffBOM", "https://example.org/a?b=c",
            "In the beginning God created the heaven and the earth.", "   ", "\n", "a", "ü", "🦙", "x\u0301 combining", "ﬁ ligature"};
    static final String[] FRAGMENTS = {"the", "The", "LORD", "and", "unto", "said", " ", "  ", "   ", "\n", "\t", ",", ".", "'s", "'ll",
            "42", "2024", "é", "ß", "ñ", "Ω", "ж", "中", "文", "の", "😀", "🦙", "👍🏽", "\u00a0", "\u3000", "\u0301", "€", "—", "…", "\"",
            "(", ")", "-", "_", "#", "@", "\r\n", "x", "qu", "ing", "tion", "\u0007", "ǅ", "ﬂ", "𝔘"};

    static String random(SplittableRandom r) {
        StringBuilder s = new StringBuilder();
        int n = 1 + r.nextInt(12);
        for (int i = 0; i < n; i++) s.append(FRAGMENTS[r.nextInt(FRAGMENTS.length)]);
        return s.toString();
    }

    @BeforeAll
    static void runReference() throws IOException, InterruptedException {
        assumeTrue(Files.isDirectory(NODE_DIR.resolve("node_modules/llama-tokenizer-js")) && Files.isDirectory(NODE_DIR.resolve("node_modules/gpt-3-encoder")),
                "the npm reference tokenizers are not installed (./kiln test runs npm ci in " + NODE_DIR + ")");
        strings = new ArrayList<>(List.of(FIXED));
        SplittableRandom r = new SplittableRandom(SEED);
        while (strings.size() < 300) strings.add(random(r));
        HexFormat hex = HexFormat.of();
        Path in = dir.resolve("in.txt"), out = dir.resolve("out.txt");
        Files.write(in, strings.stream().map(s -> s.isEmpty() ? "-" : hex.formatHex(s.getBytes(StandardCharsets.UTF_8))).toList());
        Process p;
        try {
            p = new ProcessBuilder("node", "reference.mjs", in.toString(), out.toString()).directory(NODE_DIR.toFile()).redirectErrorStream(true).start();
        } catch (IOException e) {
            assumeTrue(false, "node is not installed: " + e.getMessage());
            return;
        }
        String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "node did not finish in 120 s");
        assertEquals(0, p.exitValue(), "node reference.mjs failed: " + log);
        List<String> lines = Files.readAllLines(out);
        int[] at = {0};
        llamaVocab = section(lines, at, "llama-vocab").stream().map(h -> new String(hex.parseHex(h), StandardCharsets.UTF_8)).toList();
        llamaMerges = section(lines, at, "llama-merges").stream().map(h -> new String(hex.parseHex(h), StandardCharsets.UTF_8)).toList();
        gpt2Vocab = section(lines, at, "gpt2-vocab").stream().map(h -> new String(hex.parseHex(h), StandardCharsets.UTF_8)).toList();
        gpt2Merges = section(lines, at, "gpt2-merges").stream().map(h -> new String(hex.parseHex(h), StandardCharsets.UTF_8)).toList();
        llama3Vocab = section(lines, at, "llama3-vocab").stream().map(h -> new String(hex.parseHex(h), StandardCharsets.UTF_8)).toList();
        llama3Merges = section(lines, at, "llama3-merges").stream().map(h -> new String(hex.parseHex(h), StandardCharsets.UTF_8)).toList();
        llamaIds = section(lines, at, "llama").stream().map(TokenizerReferenceTest::ids).toList();
        gpt2Ids = section(lines, at, "gpt2").stream().map(TokenizerReferenceTest::ids).toList();
        llama3Ids = section(lines, at, "llama3").stream().map(TokenizerReferenceTest::ids).toList();
    }

    private static List<String> section(List<String> lines, int[] at, String name) {
        String[] head = lines.get(at[0]++).split(" ");
        assertEquals(name, head[0]);
        int n = Integer.parseInt(head[1]);
        List<String> s = lines.subList(at[0], at[0] + n);
        at[0] += n;
        return s;
    }

    private static int[] ids(String line) {
        return line.isEmpty() ? new int[0] : Arrays.stream(line.split(" ")).mapToInt(Integer::parseInt).toArray();
    }

    private static Tokenizer load(GgufTestWriter w, String name) throws IOException {
        try (GgufFile g = GgufFile.open(w.write(dir.resolve(name)))) {
            return Tokenizers.fromMetadata(g);
        }
    }

    @Test
    void llama_sentencepiece_matches_llama_tokenizer_js() throws IOException {
        // SentencePiece scores from llama-tokenizer-js's merge order (Hugging Face's, made from the model's scores): a piece
        // scores minus the rank of the first merge that makes it. Whitespace runs come last there, as their -1e9 in Llama 2's model.
        float[] scores = new float[llamaVocab.size()];
        Arrays.fill(scores, Float.NEGATIVE_INFINITY);
        java.util.Map<String, Integer> id = new java.util.HashMap<>();
        for (int i = 0; i < llamaVocab.size(); i++) id.putIfAbsent(llamaVocab.get(i), i);
        for (int rank = 0; rank < llamaMerges.size(); rank++) {
            int merged = id.get(llamaMerges.get(rank).replace(" ", ""));
            scores[merged] = Math.max(scores[merged], -rank);
        }
        int[] types = new int[llamaVocab.size()];
        for (int i = 0; i < scores.length; i++) {
            if (scores[i] == Float.NEGATIVE_INFINITY) scores[i] = -1e9f;   // never the result of a merge
            String t = llamaVocab.get(i);
            types[i] = i == 0 ? 2 : i <= 2 ? 3 : t.length() == 6 && t.startsWith("<0x") ? 6 : 1;
        }
        Tokenizer tok = load(new GgufTestWriter().string("tokenizer.ggml.model", "llama").strings("tokenizer.ggml.tokens", llamaVocab)
                .floats("tokenizer.ggml.scores", scores).ints("tokenizer.ggml.token_type", types)
                .u32("tokenizer.ggml.bos_token_id", 1).u32("tokenizer.ggml.eos_token_id", 2), "llama-vocab.gguf");
        assertEquals(1, tok.bos());
        compare(tok, llamaIds, "llama-tokenizer-js");
    }

    @Test
    void gpt2_byte_level_bpe_matches_gpt_3_encoder() throws IOException {
        Tokenizer tok = load(new GgufTestWriter().string("tokenizer.ggml.model", "gpt2").strings("tokenizer.ggml.tokens", gpt2Vocab)
                .strings("tokenizer.ggml.merges", gpt2Merges), "gpt2-vocab.gguf");
        compare(tok, gpt2Ids, "gpt-3-encoder");
    }

    @Test
    void llama3_byte_level_bpe_matches_llama3_tokenizer_js() throws IOException {
        Tokenizer tok = load(new GgufTestWriter().string("tokenizer.ggml.model", "gpt2").string("tokenizer.ggml.pre", "llama-bpe")
                .strings("tokenizer.ggml.tokens", llama3Vocab).strings("tokenizer.ggml.merges", llama3Merges)
                .u32("tokenizer.ggml.bos_token_id", 128000).u32("tokenizer.ggml.eos_token_id", 128001), "llama3-vocab.gguf");
        assertEquals(128000, tok.bos());
        compare(tok, llama3Ids, "llama3-tokenizer-js");
    }

    private static void compare(Tokenizer tok, List<int[]> want, String reference) {
        int failures = 0;
        StringBuilder report = new StringBuilder();
        for (int i = 0; i < strings.size(); i++) {
            String s = strings.get(i);
            int[] got = tok.encode(s);
            if (!Arrays.equals(want.get(i), got)) {
                if (failures++ < 5) report.append(String.format("%n  \"%s\": %s %s, kiln %s", s.replace("\n", "\\n"), reference, Arrays.toString(want.get(i)), Arrays.toString(got)));
            }
            assertEquals(s, tok.decode(got), "decode(encode(s)) for \"" + s + "\"");
        }
        assertEquals(0, failures, failures + " of " + strings.size() + " strings differ (seed " + SEED + "):" + report);
    }
}
