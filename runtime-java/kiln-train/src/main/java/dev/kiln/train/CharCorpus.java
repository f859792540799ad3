package dev.kiln.train;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * A character-level corpus: the text, its vocabulary (the distinct characters, sorted) and a fixed split, the
 * first {@code 1 - validationFraction} for training and the rest for validation. Tokens are vocabulary indices.
 */
public final class CharCorpus {
    private final char[] vocab;
    private final int[] index = new int[Character.MAX_VALUE + 1];
    private final int[] tokens;
    private final int trainEnd;

    public CharCorpus(String text, double validationFraction) {
        if (!(validationFraction > 0 && validationFraction < 1)) {
            throw new IllegalArgumentException("validationFraction = " + validationFraction + "; must be in (0, 1)");
        }
        vocab = text.chars().distinct().sorted().mapToObj(ch -> String.valueOf((char) ch)).reduce("", String::concat).toCharArray();
        Arrays.fill(index, -1);
        for (int i = 0; i < vocab.length; i++) index[vocab[i]] = i;
        tokens = new int[text.length()];
        for (int i = 0; i < tokens.length; i++) tokens[i] = index[text.charAt(i)];
        trainEnd = (int) Math.round(tokens.length * (1 - validationFraction));
    }

    public int vocabSize() { return vocab.length; }

    /** The vocabulary: token i is character i of this string. */
    public String vocabulary() { return new String(vocab); }

    public int length() { return tokens.length; }

    public int trainLength() { return trainEnd; }

    public int validationLength() { return tokens.length - trainEnd; }

    public String decode(int[] ids) {
        StringBuilder s = new StringBuilder(ids.length);
        for (int id : ids) s.append(vocab[id]);
        return s.toString();
    }

    /**
     * Fills {@code tokens}/{@code targets} with {@code batch} random windows of {@code context} characters from
     * shard {@code shard} of {@code shards} of the training split, divided as {@code sharding} says (each worker its
     * own data). An interleaved window lies inside one block, so shards never share a character.
     */
    public void trainBatch(SplittableRandom rnd, DataSharding sharding, int shard, int shards, int batch, int context,
                           int[] tokens, int[] targets) {
        if (shard < 0 || shard >= shards) throw new IllegalArgumentException("shard = " + shard + "; must be in [0, " + shards + ")");
        switch (sharding) {
            case CONTIGUOUS -> {
                int lo = (int) ((long) trainEnd * shard / shards), hi = (int) ((long) trainEnd * (shard + 1) / shards);
                if (hi - lo <= context + 1) throw new IllegalArgumentException("training shard of " + (hi - lo) + " characters is shorter than context + 1 = " + (context + 1));
                for (int b = 0; b < batch; b++) copyWindow(lo + rnd.nextInt(hi - lo - context), b, context, tokens, targets);
            }
            case INTERLEAVED -> {
                int block = DataSharding.BLOCK, blocks = trainEnd / block;   // the tail after the last whole block is unused
                int mine = (blocks - shard + shards - 1) / shards;            // blocks shard, shard + shards, ...
                if (context + 1 >= block) throw new IllegalArgumentException("context + 1 = " + (context + 1) + " does not fit an interleaved block of " + block + " characters");
                if (mine == 0) throw new IllegalArgumentException("training split of " + trainEnd + " characters has no block for shard " + shard + " of " + shards);
                for (int b = 0; b < batch; b++) {
                    int start = (shard + rnd.nextInt(mine) * shards) * block;
                    copyWindow(start + rnd.nextInt(block - context), b, context, tokens, targets);
                }
            }
        }
    }

    /**
     * Window {@code i} of {@code count} evenly spaced windows over the validation split: a fixed evaluation set
     * that does not depend on the seed, so runs compare on the same text.
     */
    public void validationWindow(int i, int count, int context, int[] tokens, int[] targets, int slot) {
        int span = validationLength() - context - 1;
        if (span <= 0) throw new IllegalArgumentException("validation split of " + validationLength() + " characters is shorter than context + 1");
        if (i < 0 || i >= count) throw new IllegalArgumentException("window " + i + " is outside [0, " + count + ")");
        copyWindow(trainEnd + (int) ((long) span * i / count), slot, context, tokens, targets);
    }

    private void copyWindow(int start, int slot, int context, int[] in, int[] out) {
        System.arraycopy(tokens, start, in, slot * context, context);
        System.arraycopy(tokens, start + 1, out, slot * context, context);
    }

    /**
     * The King James Bible from Debian's {@code bible-kjv} ({@code bible Gen1:1-Rev22:21}), cached at
     * {@code ~/.cache/kiln/kjv.txt} so that the command runs once per machine.
     */
    public static String kingJamesBible() throws IOException {
        Path cache = Path.of(System.getProperty("user.home"), ".cache", "kiln", "kjv.txt");
        if (Files.isRegularFile(cache) && Files.size(cache) > 1_000_000) return Files.readString(cache, StandardCharsets.UTF_8);
        Process p;
        try {
            p = new ProcessBuilder("bible", "Gen1:1-Rev22:21").redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new IOException("the corpus needs Debian's bible-kjv package (`bible` not found: " + e.getMessage()
                    + "); install it with: sudo apt-get install bible-kjv", e);
        }
        // The output is read on its own thread so that the 60 s bound covers a `bible` that hangs with its output
        // open (readAllBytes alone would wait for it forever), and a timed-out process is killed, not left running.
        java.util.concurrent.CompletableFuture<String> output = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try (InputStream in = p.getInputStream()) {
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }, Thread::startVirtualThread);
        String text;
        try {
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException("`bible Gen1:1-Rev22:21` did not finish in 60 s; it was killed");
            }
            text = output.get(10, TimeUnit.SECONDS);
            if (p.exitValue() != 0 || text.length() < 1_000_000) {
                throw new IOException("`bible Gen1:1-Rev22:21` failed (exit " + p.exitValue() + ", " + text.length() + " characters)");
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while running `bible`", e);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            p.destroyForcibly();
            throw new IOException("cannot read the output of `bible Gen1:1-Rev22:21`: " + e, e);
        }
        Files.createDirectories(cache.getParent());
        Path tmp = Files.createTempFile(cache.getParent(), "kjv", ".tmp");
        try {
            Files.writeString(tmp, text, StandardCharsets.UTF_8);
            Files.move(tmp, cache, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp); // gone after the move; a partial one after a failed write
        }
        return text;
    }

    /** The KJV corpus with a 10 % validation split (the last books: most of the New Testament's end). */
    public static CharCorpus kingJames() throws IOException {
        return new CharCorpus(kingJamesBible(), 0.1);
    }
}
