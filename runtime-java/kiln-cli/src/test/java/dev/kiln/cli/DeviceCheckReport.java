package dev.kiln.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * The last step of {@code scripts/device-check}: reads what the steps wrote into one folder (tests.json,
 * attention-*.json, tconv-*.json, jcuda.txt, launch.json) and prints one summary table, and writes
 * everything as one JSON file, {@code device-check.json}. A step that did not run is shown as missing.
 * <pre>  DeviceCheckReport DIR</pre>
 */
public final class DeviceCheckReport {
    private DeviceCheckReport() {}

    public static void main(String[] args) throws IOException {
        Path dir = Path.of(args[0]);
        ObjectNode all = Json.MAPPER.createObjectNode();
        Table t = new Table("check", "result");
        JsonNode tests = read(dir.resolve("tests.json"));
        all.set("tests", tests);
        t.row("device tests", tests == null ? "missing" : tests.get("passed") + " passed, " + tests.get("failed") + " failed, " + tests.get("skipped") + " skipped");
        try (Stream<Path> files = Files.list(dir)) {
            for (Path p : files.filter(f -> f.getFileName().toString().matches("attention-.*\\.json")).sorted().toList()) {
                JsonNode a = read(p);
                String name = p.getFileName().toString().replaceAll("^attention-|\\.json$", "");
                all.set("attention-" + name, a);
                if (a == null) { t.row("attention " + name, "missing"); continue; }
                for (JsonNode r : a.get("results")) {
                    t.row("attention " + name + " S=" + r.get("context").asInt(), String.format(
                            "flash %.3g GB/s = %.2f of copy, %.2f of read-only; split-kv %.3g GB/s; copy %.3g GB/s",
                            r.get("flashBytesPerSecond").asDouble() / 1e9, r.get("flashToCopy").asDouble(), r.get("flashToRead").asDouble(),
                            r.get("splitKvBytesPerSecond").asDouble() / 1e9, r.get("copyBytesPerSecond").asDouble() / 1e9));
                }
            }
        }
        for (String dtype : new String[]{"fp32", "int8"}) {
            JsonNode tc = read(dir.resolve("tconv-" + dtype + ".json"));
            all.set("tconv-" + dtype, tc);
            if (tc == null) { t.row("tconv " + dtype, "missing"); continue; }
            StringBuilder best = new StringBuilder();
            for (JsonNode row : tc.get("rows")) {
                JsonNode tf = row.get("tflops");
                if (tf == null) continue;
                var it = tf.fields();
                double max = 0;
                String who = "";
                while (it.hasNext()) {
                    var e = it.next();
                    if (e.getValue().asDouble() > max) { max = e.getValue().asDouble(); who = e.getKey(); }
                }
                best.append(best.isEmpty() ? "" : ", ").append(row.get("layer").asText()).append(String.format(" %.3g (%s)", max, who));
            }
            t.row("tconv " + dtype + " TFLOP/s", best.toString());
        }
        Path jcuda = dir.resolve("jcuda.txt");
        String probe = Files.exists(jcuda) ? Files.readString(jcuda).strip() : "missing";
        all.put("jcuda", probe);
        t.row("JCuda 12.6 natives", probe);
        JsonNode launch = read(dir.resolve("launch.json"));
        all.set("launchOverhead", launch);
        if (launch == null) t.row("launch overhead", "missing");
        else for (JsonNode b : launch) {
            t.row("launch " + b.get("benchmark").asText().replaceAll(".*\\.", ""), String.format("%.2f µs/launch+sync (median of iterations: %.2f)",
                    b.get("primaryMetric").get("score").asDouble(), b.get("primaryMetric").get("scorePercentiles").get("50.0").asDouble()));
        }
        System.out.print(t);
        Files.writeString(dir.resolve("device-check.json"), Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(all) + "\n");
        System.out.println("device-check: wrote " + dir.resolve("device-check.json"));
    }

    private static JsonNode read(Path p) {
        try {
            return Files.exists(p) && Files.size(p) > 0 ? Json.MAPPER.readTree(p.toFile()) : null;
        } catch (IOException e) {
            return null; // a step that died half-way: shown as missing
        }
    }
}
