package dev.kiln.train;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Where each worker's training windows come from. The text is random letters, so every window is unique, and
 * each window is located back in it by a brute-force search: the test does not share the sampler's arithmetic.
 */
class CharCorpusShardingTest {
    private static final int CONTEXT = 32, SHARDS = 4;

    /** Random letters: a window of 32 of them occurs once in the text (26^32 possibilities). */
    private static String text(int chars) {
        SplittableRandom rnd = new SplittableRandom(42);
        StringBuilder s = new StringBuilder(chars);
        for (int i = 0; i < chars; i++) s.append((char) ('a' + rnd.nextInt(26)));
        return s.toString();
    }

    private static int locate(String text, CharCorpus c, int[] window) {
        String w = c.decode(window);
        int at = text.indexOf(w), again = text.indexOf(w, at + 1);
        assertTrue(at >= 0, "window not found in the text");
        assertEquals(-1, again, "test text must make every window unique");
        return at;
    }

    @Test
    void interleavedShardsAreDisjointBlocksSpanningTheWholeTrainingSplit() {
        int block = DataSharding.BLOCK;
        String t = text(block * 40 + 500 + 10_000);
        CharCorpus c = new CharCorpus(t, 10_000.0 / t.length());
        int blocks = c.trainLength() / block;
        int[] tokens = new int[64 * CONTEXT], targets = new int[tokens.length];
        boolean[][] seen = new boolean[SHARDS][blocks];
        for (int shard = 0; shard < SHARDS; shard++) {
            SplittableRandom rnd = new SplittableRandom(shard);
            for (int round = 0; round < 10; round++) {
                c.trainBatch(rnd, DataSharding.INTERLEAVED, shard, SHARDS, 64, CONTEXT, tokens, targets);
                for (int b = 0; b < 64; b++) {
                    int[] w = java.util.Arrays.copyOfRange(tokens, b * CONTEXT, (b + 1) * CONTEXT);
                    int at = locate(t, c, w);
                    int first = at / block, last = (at + CONTEXT) / block;   // the target of the last token included
                    assertEquals(first, last, "window [" + at + ", " + (at + CONTEXT) + "] crosses a block boundary");
                    assertEquals(shard, first % SHARDS, "shard " + shard + " read block " + first);
                    assertTrue(first < blocks, "the training split's partial tail block is never read");
                    for (int i = 0; i < CONTEXT; i++) assertEquals(t.charAt(at + i + 1), c.decode(new int[]{targets[b * CONTEXT + i]}).charAt(0));
                    seen[shard][first] = true;
                }
            }
        }
        // 640 windows per shard over its 10 blocks: every block is read (missed with probability 0.9^640).
        for (int shard = 0; shard < SHARDS; shard++) {
            for (int k = shard; k < blocks; k += SHARDS) assertTrue(seen[shard][k], "shard " + shard + " never read its block " + k);
        }
    }

    @Test
    void contiguousShardsAreTheTextsConsecutiveQuarters() {
        String t = text(60_000);
        CharCorpus c = new CharCorpus(t, 0.1);
        int[] tokens = new int[64 * CONTEXT], targets = new int[tokens.length];
        for (int shard = 0; shard < SHARDS; shard++) {
            long lo = (long) c.trainLength() * shard / SHARDS, hi = (long) c.trainLength() * (shard + 1) / SHARDS;
            c.trainBatch(new SplittableRandom(7), DataSharding.CONTIGUOUS, shard, SHARDS, 64, CONTEXT, tokens, targets);
            for (int b = 0; b < 64; b++) {
                int at = locate(t, c, java.util.Arrays.copyOfRange(tokens, b * CONTEXT, (b + 1) * CONTEXT));
                assertTrue(at >= lo && at + CONTEXT < hi, "window at " + at + " outside shard [" + lo + ", " + hi + ")");
            }
        }
    }

    @Test
    void refusesWhatItCannotSample() {
        CharCorpus c = new CharCorpus(text(60_000), 0.1);
        int[] tokens = new int[DataSharding.BLOCK * 2], targets = new int[tokens.length];
        assertThrows(IllegalArgumentException.class, () -> c.trainBatch(new SplittableRandom(1), DataSharding.INTERLEAVED, 4, 4, 1, CONTEXT, tokens, targets));
        assertThrows(IllegalArgumentException.class, () -> c.trainBatch(new SplittableRandom(1), DataSharding.INTERLEAVED, 0, 4, 1, DataSharding.BLOCK, tokens, targets));
        assertEquals(DataSharding.CONTIGUOUS, DataSharding.parse("contiguous"));
        assertThrows(IllegalArgumentException.class, () -> DataSharding.parse("random"));
    }
}
