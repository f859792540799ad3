package dev.kiln.train;

import java.util.List;

/**
 * One run's record, as rank 0 saw it.
 *
 * @param points             validation points, in step order
 * @param finalValidationLoss mean cross-entropy (nats per character) on the final validation set
 * @param deliveredFraction  lossy-phase packets that arrived / sent
 * @param wallSeconds        training time, evaluation included
 */
public record TrainCurve(List<Point> points, double finalValidationLoss, double deliveredFraction, double wallSeconds) {
    /**
     * @param trainLoss mean training loss over the steps since the previous point; null at step 0
     * @param drift     relative replica drift after this step ({@link GradientSync#replicaDrift})
     */
    public record Point(int step, Double trainLoss, double validationLoss, double drift) {}

    public double finalPerplexity() { return Math.exp(finalValidationLoss); }

    public double maxDrift() { return points.stream().mapToDouble(Point::drift).max().orElse(0); }
}
