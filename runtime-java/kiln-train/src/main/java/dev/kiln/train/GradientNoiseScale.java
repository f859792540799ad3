package dev.kiln.train;

/**
 * The simple gradient noise scale {@code B_simple = tr(Σ) / |G|²} (McCandlish, Kaplan, Amodei et al., "An Empirical
 * Model of Large-Batch Training", 2018, §2.2 and appendix A), estimated for free from data-parallel training: every
 * rank's local gradient is a batch of {@code b} sequences, the reduce-scatter's mean is a batch of {@code B = W b}.
 * With {@code s_b = E|g_b|²} and {@code s_B = E|g_B|²},
 * <pre>
 *   |G|²  ≈ (B s_B − b s_b) / (B − b)          tr(Σ) ≈ (s_b − s_B) / (1/b − 1/B)
 * </pre>
 * Both estimators are unbiased but noisy, so they are averaged separately over a window of steps before the ratio
 * is taken, as the paper recommends.
 *
 * <p>Why training under loss cares: in the paper's SGD model a step's progress goes as {@code 1 / (1 + B_noise / B)},
 * so an owner that combines 92.5 % of a step's samples (p = 0.1, W = 4) loses a fraction of a step that depends on
 * where the global batch sits against {@code B_noise}. (Measured on the demo preset, AdamW loses much less than that
 * model predicts: docs/train.md.) The estimate is taken on the clipped gradients the workers actually send, and only a
 * lossless run measures it: a lossy reduce-scatter's mean is not the batch-{@code B} gradient.
 */
final class GradientNoiseScale {
    private final int perWorker, workers;
    private double localSquares, meanSquares;
    private int steps;

    /** @param perWorker sequences in one rank's batch ({@code b}); {@code workers} ranks make the global batch */
    GradientNoiseScale(int perWorker, int workers) {
        this.perWorker = perWorker;
        this.workers = workers;
    }

    /**
     * One step's measurements on this rank.
     *
     * @param localSquared    {@code |g_b|²} of this rank's (clipped) gradient
     * @param shardMeanSquared {@code |g_B|²} restricted to the shard this rank owns (the shards partition the vector)
     */
    void add(double localSquared, double shardMeanSquared) {
        localSquares += localSquared;
        meanSquares += shardMeanSquared;
        steps++;
    }

    /**
     * Collective: the estimate over the steps since the last call (every rank gets the same value), then a fresh window.
     * {@code NaN} with one worker, no steps, or a window whose signal estimate is not positive (too few steps).
     */
    double takeWindow(GradientSync sync) {
        double small = sync.meanOverRanks(localSquares), shards = sync.meanOverRanks(meanSquares);
        int n = steps;
        localSquares = 0;
        meanSquares = 0;
        steps = 0;
        if (workers < 2 || n == 0) return Double.NaN;
        return estimate(small / n, shards * workers / n, perWorker, (long) perWorker * workers);
    }

    /** {@code tr(Σ) / |G|²} from the mean squared norms of the small- and the large-batch gradients. */
    static double estimate(double smallSquared, double largeSquared, long small, long large) {
        double signal = (large * largeSquared - small * smallSquared) / (large - small);
        double trace = (smallSquared - largeSquared) / (1.0 / small - 1.0 / large);
        return signal > 0 ? trace / signal : Double.NaN;
    }
}
