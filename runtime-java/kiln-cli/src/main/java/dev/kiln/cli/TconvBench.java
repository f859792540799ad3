package dev.kiln.cli;

import dev.kiln.device.Device;
import dev.kiln.device.Devices;
import dev.kiln.tconv.TConvBenchmark;
import dev.kiln.tconv.TConvImpl;
import dev.kiln.tconv.TConvImpls;
import dev.kiln.tconv.TConvSuites;
import dev.kiln.tconv.quant.Rounding;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code kiln tconv bench}: median times per layer and implementation, speedups of mm2im, ineffectual MACs. */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Time implementations on a suite or one layer: median ms, speedup of the first implementation over the others, IOM's ineffectual-MAC share.")
final class TconvBench implements Callable<Integer> {
    @Option(names = "--suite", description = "synthetic, models, tflite-models, onnx-models or paper") String suite;
    @Option(names = "--layer", description = TconvLayers.LAYER_HELP) String layer;
    @Option(names = "--impl", split = ",", defaultValue = "mm2im,iom,ort", description = "implementations; speedups are of the first over each other (default ${DEFAULT-VALUE})") List<String> impls;
    @Option(names = "--backend", defaultValue = "cpu", description = "backend for Kiln's kernels (default ${DEFAULT-VALUE}; ort is always cpu)") String backend;
    @Option(names = "--dtype", defaultValue = "fp32", description = "fp32 or int8 (ort: fp32 only)") String dtype;
    @Option(names = "--min-runs", defaultValue = "5", description = "interleaved rounds always timed per layer") int minRuns;
    @Option(names = "--budget-ms", defaultValue = "1000", description = "measuring time per layer and implementation, plus half of it for warm-up (default ${DEFAULT-VALUE}; less leaves the JIT cold)") long budgetMs;
    @Option(names = "--json", description = "print JSON") boolean json;
    @Option(names = "--plot", description = "write a PNG of the speedup distribution") Path plot;

    @Override
    public Integer call() throws Exception {
        List<TConvSuites.Layer> layers = TconvLayers.select(suite, layer);
        List<TConvImpl> list = TconvLayers.impls(impls, List.of());
        if (list.size() < 1) throw new IllegalArgumentException("--impl needs at least one implementation");
        if (!dtype.equals("fp32") && !dtype.equals("int8")) throw new IllegalArgumentException("--dtype must be fp32 or int8, was '" + dtype + "'");
        Map<String, Device> devices = new LinkedHashMap<>();
        List<Map<String, Object>> rows = new ArrayList<>();
        long seed = System.nanoTime();
        try {
            int done = 0;
            for (TConvSuites.Layer l : layers) {
                TconvLayers.progress(done, layers.size(), l.name() + " " + l.spec().label());
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("layer", l.name());
                row.put("spec", l.spec().toString());
                row.put("label", l.spec().label());
                row.put("iomMacs", l.spec().iomMacs());
                row.put("ineffectual", l.spec().ineffectualFraction());
                List<TConvBenchmark.Entry> entries = new ArrayList<>();
                for (TConvImpl impl : list) {
                    String b = impl.name().equals("ort") || impl.name().equals("reference") ? "cpu" : backend;
                    // TConvBenchmark requantises int8 with TFLite's default double rounding.
                    TconvLayers.unsupported(impl, b, dtype.equals("int8"), Rounding.DOUBLE, "use --dtype int8")
                            .ifPresent(why -> { throw new IllegalArgumentException(why); });
                    if (dtype.equals("int8") && !impl.supportsInt8()) throw new IllegalArgumentException(impl.name() + " has no int8 path");
                    var why = impl.unsupported(l.spec(), dtype.equals("int8"));
                    if (why.isPresent()) {                          // e.g. IOM on a grouped layer: n/a in the table, said on stderr
                        if (impl == list.getFirst()) throw new IllegalArgumentException(why.get());
                        System.err.println(l.name() + ": " + why.get());
                        continue;
                    }
                    entries.add(new TConvBenchmark.Entry(impl, devices.computeIfAbsent(b, Devices::open)));
                }
                Map<String, Double> ms = new LinkedHashMap<>();
                for (TConvBenchmark.Timing t : TConvBenchmark.compare(entries, l.spec(), dtype, seed, minRuns, budgetMs * 1_000_000)) {
                    ms.put(t.impl(), t.medianNs() / 1e6);
                }
                row.put("medianMs", ms);
                // achieved TFLOP/s counts the layer's useful MACs (2 FLOPs each), whatever an implementation computes
                Map<String, Double> tflops = new LinkedHashMap<>();
                for (Map.Entry<String, Double> e : ms.entrySet()) tflops.put(e.getKey(), 2.0 * l.spec().effectiveMacs() / (e.getValue() * 1e-3) / 1e12);
                row.put("effectiveMacs", l.spec().effectiveMacs());
                row.put("tflops", tflops);
                Map<String, Double> speedup = new LinkedHashMap<>();
                double base = ms.get(list.getFirst().name());
                for (TConvImpl impl : list.subList(1, list.size())) if (ms.containsKey(impl.name())) speedup.put(impl.name(), ms.get(impl.name()) / base);
                row.put("speedupOfFirst", speedup);
                rows.add(row);
                ++done;
            }
        } finally {
            devices.values().forEach(Device::close);
        }
        String first = list.getFirst().name();
        Map<String, Double> geomean = geomeans(rows, list);
        // the extended model suite: the TFLite-shaped layers and the ONNX-only ones, each on its own
        Map<String, Map<String, Double>> families = new LinkedHashMap<>();
        for (var f : Map.of("tflite-models", TConvSuites.tfliteModels(), "onnx-models", TConvSuites.onnxModels()).entrySet()) {
            List<String> names = f.getValue().stream().map(TConvSuites.Layer::name).toList();
            List<Map<String, Object>> sub = rows.stream().filter(r -> names.contains((String) r.get("layer"))).toList();
            if (!sub.isEmpty() && sub.size() < rows.size()) families.put(f.getKey() + " (" + sub.size() + " layers)", geomeans(sub, list));
        }
        if (json) {
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("machine", machine());
            out.put("dtype", dtype);
            out.put("backend", backend);
            out.put("rows", rows);
            out.put("geomeanSpeedupOf_" + first, geomean);
            if (!families.isEmpty()) out.put("geomeanSpeedupOf_" + first + "_bySuite", families);
            System.out.println(Json.write(out));
        } else {
            List<String> header = new ArrayList<>(List.of("layer", "spec", "IOM MACs", "ineff."));
            for (TConvImpl impl : list) header.add(impl.name() + " ms");
            for (TConvImpl impl : list.subList(1, list.size())) header.add(first + " vs " + impl.name());
            Table t = new Table(header.toArray(String[]::new));
            for (Map<String, Object> r : rows) {
                List<Object> cells = new ArrayList<>(List.of(r.get("layer"), r.get("label"), String.format("%.1fM", (Long) r.get("iomMacs") / 1e6),
                        String.format("%.1f%%", 100 * (Double) r.get("ineffectual"))));
                for (TConvImpl impl : list) cells.add(medians(r).containsKey(impl.name()) ? String.format("%.3f", medians(r).get(impl.name())) : "n/a");
                for (TConvImpl impl : list.subList(1, list.size())) {
                    cells.add(speedups(r).containsKey(impl.name()) ? String.format("%.2fx", speedups(r).get(impl.name())) : "n/a");
                }
                t.row(cells.toArray());
            }
            System.out.print(t);
            geomean.forEach((k, v) -> System.out.printf("geomean speedup of %s over %s: %.2fx over %d layers%n", first, k, v,
                    rows.stream().filter(r -> speedups(r).containsKey(k)).count()));
            families.forEach((f, g) -> g.forEach((k, v) -> System.out.printf("  %s: %s over %s %.2fx%n", f, first, k, v)));
            System.out.println("machine: " + machine() + "; " + dtype + ", Kiln kernels on " + backend + "; medians of interleaved runs (each op's own time)");
        }
        if (plot != null) {
            Charts.Xy chart = new Charts.Xy("Speedup of " + first + " (" + dtype + ", " + backend + ")", "layer (sorted by speedup)", "speedup (x)");
            for (TConvImpl impl : list.subList(1, list.size())) {
                double[] s = rows.stream().filter(r -> speedups(r).containsKey(impl.name())).mapToDouble(r -> speedups(r).get(impl.name())).sorted().toArray();
                for (int i = 0; i < s.length; i++) chart.point(first + " vs " + impl.name(), true, i + 1, s[i]);
            }
            for (int i = 1; i <= rows.size(); i++) chart.point("1x", true, i, 1.0);
            chart.logY().writePng(plot, 900, 540);
            System.err.println("plot written to " + plot);
        }
        return 0;
    }

    /** Geometric mean of the first implementation's speedup over each other one, over the rows that have it. */
    private static Map<String, Double> geomeans(List<Map<String, Object>> rows, List<TConvImpl> list) {
        Map<String, Double> out = new LinkedHashMap<>();
        for (TConvImpl impl : list.subList(1, list.size())) {
            double logSum = 0;
            int count = 0;
            for (Map<String, Object> r : rows) {
                if (!speedups(r).containsKey(impl.name())) continue;
                logSum += Math.log(speedups(r).get(impl.name()));
                count++;
            }
            if (count > 0) out.put(impl.name(), Math.exp(logSum / count));
        }
        return out;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Double> medians(Map<String, Object> r) { return (Map<String, Double>) r.get("medianMs"); }

    @SuppressWarnings("unchecked")
    private static Map<String, Double> speedups(Map<String, Object> r) { return (Map<String, Double>) r.get("speedupOfFirst"); }

    static String machine() {
        var cpu = Devices.backend("cpu").devices().getFirst();
        return cpu.name() + ", " + Runtime.getRuntime().availableProcessors() + " cores, Java " + Runtime.version().feature()
                + ", " + cpu.properties().get("vectorBits") + "-bit vectors";
    }
}
