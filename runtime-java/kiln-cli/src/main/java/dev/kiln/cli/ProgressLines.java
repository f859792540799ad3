package dev.kiln.cli;

import java.util.Locale;

/**
 * Progress on stderr as whole lines, so stdout stays a clean table or JSON. Whole lines because {@code ./kiln}
 * filters stderr line by line: a bar redrawn with {@code \r} would appear only when its line ends. At most one
 * line per second (fast items would flood the terminal), and always the last one.
 */
final class ProgressLines {
    private static final long MIN_GAP_NANOS = 1_000_000_000L;
    private final String label;
    private final int total;
    private final long start = System.nanoTime();
    private long lastLine = start - MIN_GAP_NANOS;

    ProgressLines(String label, int total) {
        this.label = label;
        this.total = total;
    }

    /** Reports that {@code done} of the items are finished; {@code detail} describes the last one. */
    void done(int done, String detail) {
        long now = System.nanoTime();
        if (done < total && now - lastLine < MIN_GAP_NANOS) return;
        lastLine = now;
        System.err.printf(Locale.ROOT, "%s [%d/%d] %s, %.1f s%n", label, done, total, detail, (now - start) / 1e9);
        System.err.flush();
    }

    /** One line outside the counted items (a phase such as warm-up). */
    static void note(String label, String what) {
        System.err.println(label + ": " + what);
        System.err.flush();
    }
}
