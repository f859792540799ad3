package dev.kiln.collective.bench;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The all-reduce bench's check compares every element with {@link BenchWorker#exactSum}: that sum must be exact in
 * fp32 (equal to the fp64 sum), and the inputs must differ from element to element, so that a result shifted or
 * delivered to the wrong chunk fails the check (the old pattern repeated every 7 elements).
 */
class BenchInputTest {
    @Test
    void sums_are_exact_and_a_shifted_result_does_not_match() {
        for (int ranks : new int[]{2, 4, 8, 128}) {
            int shiftedMatches = 0;
            for (long i = 0; i < 200_000; i++) {
                double exact = 0;
                for (int r = 0; r < ranks; r++) exact += BenchWorker.input(r, i);
                assertEquals(exact, BenchWorker.exactSum(ranks, i), 0.0, ranks + " ranks, element " + i);
                if (BenchWorker.exactSum(ranks, i) == BenchWorker.exactSum(ranks, i + 7)) shiftedMatches++;
            }
            // A 16-bit hash per rank: equal sums for elements 7 apart are rare coincidences, not a pattern.
            assertTrue(shiftedMatches < 200, ranks + " ranks: " + shiftedMatches + " of 200,000 elements equal their neighbour 7 on");
        }
    }
}
