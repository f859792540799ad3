package dev.kiln.helixsim;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The paper's headline comparisons between the Helix frontier and the best-baseline frontier.
 *
 * @param interactivity      max interactivity ratio: baseline's lowest TTL / Helix's lowest TTL
 * @param throughput         max over TTL budgets (both sides reachable) of Helix tokens/s/GPU ÷ baseline's
 * @param batch              max over TTL budgets of Helix's most concurrent users ÷ baseline's
 * @param ttlAtFixedBatch    max over batch sizes (users in flight) of baseline's best TTL ÷ Helix's best TTL
 */
public record Headline(Ratio interactivity, Ratio throughput, Ratio batch, Ratio ttlAtFixedBatch) {

    public static Headline compare(Iterable<Estimate> helix, Iterable<Estimate> baseline) {
        var h = toList(helix);
        var b = toList(baseline);
        Frontier ht = Frontier.throughput(h), bt = Frontier.throughput(b);
        Ratio interactivity = ht.isEmpty() || bt.isEmpty() ? Ratio.NONE
                : new Ratio(bt.minTtl() / ht.minTtl(), ht.points().getFirst(), bt.points().getFirst(), Double.NaN);
        return new Headline(interactivity, maxAtEqualTtl(ht, bt, false), maxAtEqualTtl(Frontier.users(h), Frontier.users(b), true),
                ttlAtFixedBatch(h, b));
    }

    /** The largest ratio of the two frontiers' values at any TTL budget both can meet. */
    static Ratio maxAtEqualTtl(Frontier helix, Frontier baseline, boolean users) {
        if (helix.isEmpty() || baseline.isEmpty()) return Ratio.NONE;
        double from = Math.max(helix.minTtl(), baseline.minTtl());
        TreeSet<Double> budgets = new TreeSet<>();
        for (Estimate e : helix.points()) budgets.add(e.ttlSeconds());
        for (Estimate e : baseline.points()) budgets.add(e.ttlSeconds());
        Ratio best = Ratio.NONE;
        for (double t : budgets.tailSet(from, true)) {
            Estimate he = helix.bestWithin(t), be = baseline.bestWithin(t);
            double r = users ? he.layout().users() / (double) be.layout().users() : he.throughputPerGpu() / be.throughputPerGpu();
            if (Double.isNaN(best.value()) || r > best.value()) best = new Ratio(r, he, be, t);
        }
        return best;
    }

    /** For every number of users both reach, baseline's best TTL ÷ Helix's best TTL; the largest. */
    static Ratio ttlAtFixedBatch(List<Estimate> helix, List<Estimate> baseline) {
        Map<Integer, Estimate> h = fastestPerUsers(helix), b = fastestPerUsers(baseline);
        Ratio best = Ratio.NONE;
        for (var e : h.entrySet()) {
            Estimate be = b.get(e.getKey());
            if (be == null) continue;
            double r = be.ttlSeconds() / e.getValue().ttlSeconds();
            if (Double.isNaN(best.value()) || r > best.value()) best = new Ratio(r, e.getValue(), be, Double.NaN);
        }
        return best;
    }

    private static Map<Integer, Estimate> fastestPerUsers(List<Estimate> estimates) {
        Map<Integer, Estimate> m = new TreeMap<>();
        for (Estimate e : estimates) m.merge(e.layout().users(), e, (x, y) -> x.ttlSeconds() <= y.ttlSeconds() ? x : y);
        return m;
    }

    private static List<Estimate> toList(Iterable<Estimate> it) {
        var list = new ArrayList<Estimate>();
        it.forEach(list::add);
        return list;
    }
}
