package dev.kiln.cli;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** A plain-text table with aligned columns, for every human-readable report. */
public final class Table {
    private final String[] header;
    private final List<String[]> rows = new ArrayList<>();

    public Table(String... header) { this.header = header; }

    public Table row(Object... cells) {
        if (cells.length != header.length) {
            throw new IllegalArgumentException("row has " + cells.length + " cells, table has " + header.length + " columns");
        }
        rows.add(Arrays.stream(cells).map(c -> c == null ? "" : c.toString()).toArray(String[]::new));
        return this;
    }

    public static String bytes(long n) {
        if (n >= 1L << 30) return String.format("%.1f GiB", n / (double) (1L << 30));
        if (n >= 1L << 20) return String.format("%.1f MiB", n / (double) (1L << 20));
        if (n >= 1L << 10) return String.format("%.1f KiB", n / (double) (1L << 10));
        return n + " B";
    }

    @Override
    public String toString() {
        int[] w = new int[header.length];
        for (int c = 0; c < header.length; c++) w[c] = header[c].length();
        for (String[] r : rows) for (int c = 0; c < r.length; c++) w[c] = Math.max(w[c], r[c].length());
        StringBuilder sb = new StringBuilder();
        line(sb, header, w);
        String[] rule = new String[header.length];
        for (int c = 0; c < header.length; c++) rule[c] = "-".repeat(w[c]);
        line(sb, rule, w);
        for (String[] r : rows) line(sb, r, w);
        return sb.toString();
    }

    private static void line(StringBuilder sb, String[] cells, int[] w) {
        for (int c = 0; c < cells.length; c++) {
            sb.append(c == 0 ? "" : "  ");
            sb.append(cells[c]).append(c == cells.length - 1 ? "" : " ".repeat(w[c] - cells[c].length()));
        }
        sb.append('\n');
    }
}
