package dev.kiln.cli;

import dev.kiln.attention.AttentionBench;
import dev.kiln.attention.DecodeShape;
import dev.kiln.attention.KeyLayout;
import dev.kiln.attention.KvDtype;
import dev.kiln.attention.MergeBench;
import dev.kiln.device.Device;
import dev.kiln.device.Devices;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code kiln helix bench}: decode-attention KV bytes/s against the same run's read ceiling and copy
 * bandwidth, for contexts from 4K to 1M, and merge cost against the number of shards. The JSON fields
 * ({@code results[].attentionBytesPerSecond}, {@code readCeilingBytesPerSecond}, {@code copyBytesPerSecond})
 * are read by {@code kiln helix simulate --calibrate}; keep them stable.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Attention KV bytes/s vs the same run's read ceiling (vectorised sum over the same bytes, on the cpu prefetching "
                + "as the native attention kernel does) and copy bandwidth; merge cost vs shards. On the cpu, -Dkiln.cpu.native=false "
                + "(KILN_JAVA_OPTS) measures the Java kernels and the Java sum instead of the C ones.")
final class HelixBenchCommand implements Callable<Integer> {
    @Option(names = "--backend", defaultValue = "cpu", description = "Backend (default: ${DEFAULT-VALUE}).")
    String backend;

    @Option(names = "--context", defaultValue = "4096..1048576", description = "Contexts: FROM..TO (doubling) or a comma list (default: ${DEFAULT-VALUE}).")
    String context;

    @Option(names = "--kv-dtype", defaultValue = "fp32", description = "fp32 or bf16 (default: ${DEFAULT-VALUE}).")
    String kvDtype;

    @Mixin
    DecodeShapeOptions decode;

    @Option(names = "--key-layout", split = ",", defaultValue = "auto",
            description = "Key layout of the cache: auto (the device's preferred: dim-major on cpu, token-major elsewhere and for MLA), "
                    + "token-major or dim-major; a comma list measures each, side by side (default: ${DEFAULT-VALUE}).")
    List<String> keyLayouts;

    @Option(names = "--reps", defaultValue = "7", description = "Timed repetitions per point; medians are reported (default: ${DEFAULT-VALUE}).")
    int reps;

    @Option(names = "--json", description = "Print JSON.")
    boolean json;

    @Option(names = "--plot", description = "Write a PNG of bytes/s vs context.")
    Path plot;

    @Override
    public Integer call() throws Exception {
        if (reps < 1) throw new IllegalArgumentException("--reps must be >= 1, was " + reps);
        if (plot != null) OutputFiles.requireWritableDirectory("--plot", plot);
        List<Integer> contexts = parseContexts(context);
        DecodeShape s = decode.decodeShape();
        KvDtype dtype = KvDtype.parse(kvDtype);
        List<Map<String, Object>> results = new ArrayList<>();
        List<Map<String, Object>> merges = new ArrayList<>();
        String deviceName;
        String nativeKernels;
        Table t = new Table("context", "KV bytes", "keys", "splits", "attention", "read ceiling", "ratio", "copy (r+w)", "attention ms");
        try (Device device = Devices.open(backend)) {
            deviceName = device.info().name();
            nativeKernels = device.info().properties().get("nativeKernels"); // cpu only: whether the C kernels run
            List<KeyLayout> layouts = new ArrayList<>();
            for (String name : keyLayouts) layouts.add(parseLayout(name, device, s, dtype));
            ProgressLines.note("helix bench", "warming up (" + layouts.size() + " key layout" + (layouts.size() > 1 ? "s" : "") + ")");
            for (KeyLayout layout : layouts) AttentionBench.warmUp(device, s, dtype, layout, decode.batch, decode.block, 4.0);
            int points = contexts.size() * layouts.size(), done = 0;
            for (int ctx : contexts) for (KeyLayout layout : layouts) {
                AttentionBench.Point p = AttentionBench.run(device, s, dtype, layout, decode.batch, ctx, decode.block, reps, ctx);
                Map<String, Object> r = new LinkedHashMap<>();
                r.put("context", ctx);
                r.put("keyLayout", layout.cliName());
                r.put("kvBytes", p.kvBytes());
                r.put("splits", p.splits());
                r.put("attentionSeconds", p.attentionSeconds());
                r.put("attentionBytesPerSecond", p.attentionBytesPerSecond());
                // null where the backend's memory is not host memory: the ceilings are host loops.
                r.put("readCeilingBytesPerSecond", orNull(p.readCeilingBytesPerSecond()));
                r.put("copyBytesPerSecond", orNull(p.copyBytesPerSecond()));
                r.put("ratioToReadCeiling", orNull(p.ratioToCeiling()));
                results.add(r);
                t.row(ctx, Table.bytes(p.kvBytes()), layout.cliName(), p.splits(), gbs(p.attentionBytesPerSecond()), gbs(p.readCeilingBytesPerSecond()),
                        Double.isNaN(p.ratioToCeiling()) ? "-" : String.format("%.2f", p.ratioToCeiling()), gbs(p.copyBytesPerSecond()), String.format("%.3f", p.attentionSeconds() * 1e3));
                // On stderr in --json mode too: stdout stays JSON, and the sweep takes minutes.
                System.err.printf("helix bench [%d/%d] context %d, %s keys: %s%n", ++done, points, ctx, layout.cliName(),
                        Double.isNaN(p.ratioToCeiling()) ? "done" : String.format("%.2f of read ceiling", p.ratioToCeiling()));
            }
            ProgressLines.note("helix bench", "merge cost for 1 to 64 shards");
            for (MergeBench.Point m : MergeBench.run(device, decode.batch * s.qHeads(), s.vDim(), new int[]{1, 2, 4, 8, 16, 32, 64}, Math.max(reps, 25))) {
                Map<String, Object> r = new LinkedHashMap<>();
                r.put("shards", m.shards());
                r.put("rows", m.rows());
                r.put("dim", m.dim());
                r.put("seconds", m.seconds());
                merges.add(r);
            }
        }
        if (plot != null) {
            Charts.Xy c = new Charts.Xy("Decode attention on " + backend + " (" + decode.shape + ", " + dtype + ")", "context (tokens)", "GB/s").logX();
            for (Map<String, Object> r : results) {
                double x = ((Integer) r.get("context")).doubleValue();
                c.point("attention KV read (" + r.get("keyLayout") + " keys)", true, x, (Double) r.get("attentionBytesPerSecond") / 1e9);
                if (r.get("readCeilingBytesPerSecond") instanceof Double d) c.point("read ceiling (same bytes)", true, x, d / 1e9);
                if (r.get("copyBytesPerSecond") instanceof Double d) c.point("copy (read + write)", true, x, d / 1e9);
            }
            c.writePng(plot, 900, 560);
        }
        if (json) {
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("backend", backend);
            out.put("device", deviceName);
            if (nativeKernels != null) out.put("cpuNativeKernels", nativeKernels);
            out.put("shape", Map.of("name", decode.shape, "qHeads", s.qHeads(), "kvHeads", s.kvHeads(), "kDim", s.kDim(), "vDim", s.vDim(), "latentV", s.latentV()));
            out.put("kvDtype", dtype.toString());
            out.put("batch", decode.batch);
            out.put("blockSize", decode.block);
            out.put("reps", reps);
            out.put("results", results);
            out.put("merge", merges);
            System.out.println(Json.write(out));
        } else {
            System.out.printf("decode attention, %s %s KV, batch %d, page %d, on %s (%s); medians of %d%n", decode.shape, dtype, decode.batch, decode.block, backend, deviceName, reps);
            if (nativeKernels != null) System.out.printf("cpu native kernels: %s%n", nativeKernels);
            System.out.print(t);
            Table mt = new Table("shards", "rows x dim", "merge µs");
            for (Map<String, Object> r : merges) mt.row(r.get("shards"), r.get("rows") + " x " + r.get("dim"), String.format("%.1f", (Double) r.get("seconds") * 1e6));
            System.out.println();
            System.out.print(mt);
        }
        return 0;
    }

    static Double orNull(double v) { return Double.isNaN(v) ? null : v; }

    static String gbs(double bytesPerSecond) {
        return Double.isNaN(bytesPerSecond) ? "-" : String.format("%.2f GB/s", bytesPerSecond / 1e9);
    }

    private static KeyLayout parseLayout(String name, Device device, DecodeShape shape, KvDtype dtype) {
        return switch (name.trim()) {
            case "auto" -> KeyLayout.preferredFor(device, shape, dtype);
            case "token-major" -> KeyLayout.TOKEN_MAJOR;
            case "dim-major" -> KeyLayout.DIM_MAJOR;
            default -> throw new IllegalArgumentException("--key-layout must be auto, token-major or dim-major, was " + name);
        };
    }

    static List<Integer> parseContexts(String spec) {
        List<Integer> out = new ArrayList<>();
        try {
            if (spec.contains("..")) {
                String[] p = spec.split("\\.\\.");
                long from = Long.parseLong(p[0].strip()), to = Long.parseLong(p[1].strip());
                if (from < 1 || to < from || to > Integer.MAX_VALUE) throw new IllegalArgumentException();
                for (long c = from; c <= to; c *= 2) out.add((int) c);
            } else {
                for (String c : spec.split(",")) {
                    int v = Integer.parseInt(c.strip());
                    if (v < 1) throw new IllegalArgumentException();
                    out.add(v);
                }
            }
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("--context must be FROM..TO (1 <= FROM <= TO) or a comma list of positive ints, was '" + spec + "'");
        }
        return out;
    }
}
