package dev.kiln.helixsim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Achieved-bandwidth calibration from {@code kiln helix bench --json}: a top-level {@code results} array
 * whose entries carry {@code attentionBytesPerSecond} (the decode-attention kernel's KV bytes/s),
 * {@code readCeilingBytesPerSecond} (a pure streaming read on the same device) and
 * {@code copyBytesPerSecond}. The HBM efficiency is attention ÷ read ceiling at the longest context
 * measured (the simulator's S = 1M is far past the point where launch overhead matters), or the median
 * over all entries when no context length is given.
 *
 * @param hbmEfficiency achieved fraction applied to the hardware's HBM bandwidth
 * @param copyFraction  copy bytes/s ÷ read ceiling at the same entries (reported, not applied)
 * @param contextTokens the context the efficiency was taken at (NaN when the file gives none)
 * @param entries       how many entries were used
 */
public record Calibration(double hbmEfficiency, double copyFraction, double contextTokens, int entries) {
    private static final List<String> CONTEXT_FIELDS = List.of("contextTokens", "context", "contextLength", "seqLen", "kvLength", "s");

    public static Calibration read(Path file) {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(file.toFile());
        } catch (IOException e) {
            throw new IllegalArgumentException("calibration file " + file + ": " + e.getMessage().lines().findFirst().orElse(""), e);
        }
        JsonNode results = root == null ? null : root.get("results");
        if (results == null || !results.isArray() || results.isEmpty()) {
            throw new IllegalArgumentException("calibration file " + file + ": expected a non-empty top-level 'results' array");
        }
        List<double[]> rows = new ArrayList<>();   // {context, attention fraction, copy fraction}
        for (int i = 0; i < results.size(); i++) {
            JsonNode r = results.get(i);
            double attention = positive(r, "attentionBytesPerSecond");
            double ceiling = positive(r, "readCeilingBytesPerSecond");
            // A device the bench could not read directly reports no ceiling (null/NaN): such entries cannot calibrate.
            if (Double.isNaN(attention) || Double.isNaN(ceiling)) continue;
            double copy = positive(r, "copyBytesPerSecond");
            double context = Double.NaN;
            for (String f : CONTEXT_FIELDS) if (r.has(f) && r.get(f).isNumber()) { context = r.get(f).asDouble(); break; }
            rows.add(new double[]{context, Math.min(1, attention / ceiling), copy / ceiling});
        }
        if (rows.isEmpty()) {
            throw new IllegalArgumentException("calibration file " + file + ": no entry of 'results' has both attentionBytesPerSecond"
                    + " and readCeilingBytesPerSecond as numbers > 0");
        }
        double longest = rows.stream().mapToDouble(r -> r[0]).filter(c -> !Double.isNaN(c)).max().orElse(Double.NaN);
        List<double[]> used = Double.isNaN(longest) ? rows : rows.stream().filter(r -> r[0] == longest).toList();
        return new Calibration(median(used, 1), median(used, 2), longest, used.size());
    }

    /** The field as a number &gt; 0, or NaN when it is absent, null, NaN or not positive. */
    private static double positive(JsonNode r, String field) {
        JsonNode v = r.get(field);
        return v != null && v.isNumber() && v.asDouble() > 0 ? v.asDouble() : Double.NaN;
    }

    private static double median(List<double[]> rows, int column) {
        double[] v = rows.stream().mapToDouble(r -> r[column]).filter(x -> !Double.isNaN(x)).sorted().toArray();
        if (v.length == 0) return Double.NaN;
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    @Override
    public String toString() {
        return String.format("HBM efficiency %.3f (attention ÷ read ceiling%s, %d entr%s), copy ÷ read ceiling %.3f",
                hbmEfficiency, Double.isNaN(contextTokens) ? ", median" : " at S = " + (long) contextTokens,
                entries, entries == 1 ? "y" : "ies", copyFraction);
    }
}
