package dev.kiln.attention;

/** A random test's seed: {@code -Dkiln.test.seed=N} pins it, otherwise a fresh one; failures print it. */
final class TestSeed {
    private TestSeed() {}

    static long seed() {
        return Long.getLong("kiln.test.seed", System.nanoTime());
    }
}
