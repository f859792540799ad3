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
     */
    public record Point(int step, Double trainLoss, double validationLoss, double drift, double ownersLoss) {}

    public double finalPerplexity() { return Math.exp(finalValidationLoss); }

    public double finalOwnersPerplexity() { return Math.exp(finalOwnersLoss); }

    public double maxDrift() { return points.stream().mapToDouble(Point::drift).max().orElse(0); }
}
