package dev.kiln.cli;

/**
 * A one-line progress bar on stderr, redrawn in place at most every 200 ms when stderr is a terminal;
 * otherwise (logs, pipes) a line every 30 s of a long run, and the final line.
 */
final class ProgressBar {
    private static final boolean TERMINAL = System.console() != null && System.console().isTerminal();
    private static final int WIDTH = 30;
    private final String label;
    private final int total;
    private final long start = System.nanoTime();
    private long lastDraw;

    ProgressBar(String label, int total) {
        this.label = label;
        this.total = total;
    }

    synchronized void update(int done) {
        long now = System.nanoTime();
        if (!TERMINAL) {
            if (done < total && now - Math.max(start, lastDraw) >= 30_000_000_000L) {
                lastDraw = now;
                System.err.printf("  %s  %d/%d  %.0f s%n", label, done, total, (now - start) / 1e9);
            }
            return;
        }
        if (done < total && now - lastDraw < 200_000_000L) return;
        lastDraw = now;
        int filled = (int) ((long) WIDTH * done / total);
        System.err.printf("%s  %s [%s%s] %d/%d  %.0f s ", TERMINAL ? "\r" : "", label, "#".repeat(filled), "-".repeat(WIDTH - filled), done, total, (now - start) / 1e9);
    }

    synchronized void done(String result) {
        if (TERMINAL) {
            update(total);
            System.err.println(" " + result);
        } else {
            System.err.printf("  %s  %s%n", label, result);
        }
    }
}
