package dev.kiln.helixsim;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

/** The Pareto construction and the headline ratios on tiny hand-built point sets. */
class FrontierTest {
    /** A one-GPU point with {@code users} requests at {@code ttl}: throughput = users / ttl. */
    private static Estimate point(Strategy s, double ttl, int users) {
        Layout l = s == Strategy.HELIX ? new Layout(s, 1, 1, 1, 1, 1, 1, users) : new Layout(s, 1, 1, 1, 1, 1, 1, users);
        return new Estimate(l, ttl, ttl, 0, 0, 0, 0, 1);
    }

    @Test
    void keeps_the_best_throughput_per_ttl_budget_and_drops_dominated_points() {
        Estimate a = point(Strategy.TP, 1, 10);    // 10 tok/s/GPU
        Estimate b = point(Strategy.TP, 2, 10);    //  5: dominated by a
        Estimate c = point(Strategy.TP, 2, 40);    // 20
        Estimate d = point(Strategy.TP, 3, 45);    // 15: dominated by c
        Estimate e = point(Strategy.TP, 4, 120);   // 30
        Frontier f = Frontier.throughput(List.of(e, d, c, b, a));
        assertEquals(List.of(a, c, e), f.points());
        assertEquals(1, f.minTtl());
        assertNull(f.bestWithin(0.5));
        assertEquals(0, f.valueWithin(0.5));
        assertEquals(10, f.valueWithin(1.9), 1e-12);
        assertEquals(20, f.valueWithin(3.5), 1e-12);
        assertSame(e, f.bestWithin(100));
    }

    @Test
    void users_frontier_tracks_the_largest_batch_per_budget() {
        Frontier f = Frontier.users(List.of(point(Strategy.TP, 1, 4), point(Strategy.TP, 2, 2), point(Strategy.TP, 3, 16)));
        assertEquals(List.of(4.0, 16.0), f.points().stream().map(x -> (double) x.layout().users()).toList());
    }

    @Test
    void headline_ratios_on_a_hand_built_pair_of_frontiers() {
        // Helix: (ttl 0.5, 1 user) → 2/s ; (ttl 1, 8) → 8/s ; (ttl 3, 60) → 20/s
        List<Estimate> helix = List.of(point(Strategy.HELIX, 0.5, 1), point(Strategy.HELIX, 1, 8), point(Strategy.HELIX, 3, 60));
        // Baseline: (ttl 1, 1) → 1/s ; (ttl 2, 8) → 4/s ; (ttl 4, 80) → 20/s
        List<Estimate> base = List.of(point(Strategy.TP, 1, 1), point(Strategy.TP, 2, 8), point(Strategy.TP, 4, 80));
        Headline h = Headline.compare(helix, base);
        assertEquals(2.0, h.interactivity().value(), 1e-12);          // 1 / 0.5
        // Budgets from 1: t=1: 8/1 = 8; t=2: 8/4 = 2; t=3: 20/4 = 5; t=4: 20/20 = 1.
        assertEquals(8.0, h.throughput().value(), 1e-12);
        assertEquals(1.0, h.throughput().ttlBudgetSeconds());
        // Users: t=1: 8/1; t=2: 8/8; t=3: 60/8; t=4: 60/80. Largest is 8 at t = 1.
        assertEquals(8.0, h.batch().value(), 1e-12);
        // Same users: 1 user: 1 / 0.5 = 2; 8 users: 2 / 1 = 2. No common 60/80.
        assertEquals(2.0, h.ttlAtFixedBatch().value(), 1e-12);
    }
}
