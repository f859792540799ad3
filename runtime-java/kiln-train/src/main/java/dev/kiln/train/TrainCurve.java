package dev.kiln.train;

import java.util.List;

/**
 * One run's record, as rank 0 saw it.
 *
 * @param points             validation points, in step order
 * @param finalValidationLoss mean cross-entropy (nats per character) on the final validation set, each rank
 *                           evaluating its share of the windows on its own replica
 * @param finalOwnersLoss    the same on the owners' model ({@link GradientSync#ownersModel}); equal without loss
 * @param deliveredFraction  lossy-phase packets that arrived / sent
 * @param wallSeconds        training time, evaluation included
 */
public record TrainCurve(List<Point> points, double finalValidationLoss, double finalOwnersLoss, double deliveredFraction,
                         double wallSeconds) {
    /**
     * @param trainLoss mean training loss over the steps since the previous point; null at step 0
     * @param drift     relative replica drift after this step ({@link GradientSync#replicaDrift})
     * @param ownersLoss validation loss of the owners' model after this step
     * @param noiseScale the gradient noise scale {@code B_simple} over the steps since the previous point, in sequences
     *                   ({@link GradientNoiseScale}; NaN at step 0 and with one worker; meaningful for lossless runs only)
     */
    public record Point(int step, Double trainLoss, double validationLoss, double drift, double ownersLoss, double noiseScale) {}

    public double finalPerplexity() { return Math.exp(finalValidationLoss); }

    public double finalOwnersPerplexity() { return Math.exp(finalOwnersLoss); }

    /**
     * The gradient noise scale late in the run: the mean of the windows after three quarters of the steps (NaN if none
     * has an estimate). Compare it with the global batch: the workers times the preset's batch.
     */
    public double lateNoiseScale() {
        int last = points.isEmpty() ? 0 : points.getLast().step();
        return points.stream().filter(p -> 4 * p.step() > 3 * last).mapToDouble(Point::noiseScale).filter(Double::isFinite)
                .average().orElse(Double.NaN);
    }

    public double maxDrift() { return points.stream().mapToDouble(Point::drift).max().orElse(0); }
}
