package dev.kiln.cli;

import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Log-axis ticks on round numbers with plain labels, also for the narrow ranges of two-point plots. */
class ReadableLogAxisTest {
    @Test
    void labels_are_plain_numbers() {
        assertEquals("0.05", ReadableLogAxis.label(0.05));
        assertEquals("1.2", ReadableLogAxis.label(1.2000000000000002));
        assertEquals("2", ReadableLogAxis.label(2));
        assertEquals("5000", ReadableLogAxis.label(5000));
        assertEquals("20k", ReadableLogAxis.label(20_000));
        assertEquals("1.5M", ReadableLogAxis.label(1.5e6));
        assertEquals("10G", ReadableLogAxis.label(1e10));
    }

    @Test
    void narrow_and_wide_ranges_get_enough_round_ticks_inside_the_range() {
        double[][] ranges = {{4096, 8192}, {1.9, 2.3}, {0.95, 2.05}, {1e6, 1.3e6}, {0.021, 0.029}, {3500, 1.1e6}, {1e3, 1e15}, {7.9, 8.1}, {1e6, 1.0001e6}};
        for (double[] r : ranges) {
            double[] t = ReadableLogAxis.ticks(r[0], r[1]);
            String[] labels = ReadableLogAxis.labels(t);
            String where = r[0] + ".." + r[1] + ": " + java.util.Arrays.toString(t);
            assertTrue(t.length >= ReadableLogAxis.MIN_TICKS && t.length <= 12, where);
            Set<String> seen = new HashSet<>();
            for (int i = 0; i < t.length; i++) {
                assertTrue(t[i] >= r[0] * (1 - 1e-9) && t[i] <= r[1] * (1 + 1e-9), where);
                if (i > 0) assertTrue(t[i] > t[i - 1], where);
                String l = labels[i];
                assertFalse(l.contains("^") || l.contains("E"), l + " in " + where);
                assertTrue(seen.add(l), "label " + l + " twice in " + where);
            }
        }
    }
}
