package dev.kiln.helixsim;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.ToDoubleFunction;

/**
 * The upper envelope of a metric against token-to-token latency: for every TTL budget t, the best value of
 * {@code metric} among the estimates with TTL ≤ t. Stored as the estimates where that best value rises,
 * in increasing TTL (so interactivity decreases and the metric increases along the list).
 */
public final class Frontier {
    private final List<Estimate> points;
    private final ToDoubleFunction<Estimate> metric;

    private Frontier(List<Estimate> points, ToDoubleFunction<Estimate> metric) {
        this.points = points;
        this.metric = metric;
    }

    /** Best tokens/s/GPU per TTL budget: the paper's Pareto frontier. */
    public static Frontier throughput(List<Estimate> estimates) { return of(estimates, Estimate::throughputPerGpu); }

    /** Most concurrent users (requests in flight) per TTL budget: batch scalability. */
    public static Frontier users(List<Estimate> estimates) { return of(estimates, e -> e.layout().users()); }

    public static Frontier of(List<Estimate> estimates, ToDoubleFunction<Estimate> metric) {
        List<Estimate> sorted = new ArrayList<>(estimates);
        sorted.sort(Comparator.comparingDouble(Estimate::ttlSeconds)
                .thenComparing(Comparator.comparingDouble(metric).reversed()));
        List<Estimate> kept = new ArrayList<>();
        double best = Double.NEGATIVE_INFINITY;
        for (Estimate e : sorted) {
            double v = metric.applyAsDouble(e);
            if (v > best) {
                kept.add(e);
                best = v;
            }
        }
        return new Frontier(List.copyOf(kept), metric);
    }

    public List<Estimate> points() { return points; }

    public boolean isEmpty() { return points.isEmpty(); }

    /** The lowest TTL reachable (the highest interactivity); +∞ when empty. */
    public double minTtl() { return points.isEmpty() ? Double.POSITIVE_INFINITY : points.getFirst().ttlSeconds(); }

    /** The estimate that is best within {@code ttlBudget}, or null when nothing meets it. */
    public Estimate bestWithin(double ttlBudget) {
        Estimate best = null;
        for (Estimate e : points) {
            if (e.ttlSeconds() > ttlBudget) break;
            best = e;
        }
        return best;
    }

    /** The best metric value within {@code ttlBudget}; 0 when nothing meets it. */
    public double valueWithin(double ttlBudget) {
        Estimate e = bestWithin(ttlBudget);
        return e == null ? 0 : metric.applyAsDouble(e);
    }
}
