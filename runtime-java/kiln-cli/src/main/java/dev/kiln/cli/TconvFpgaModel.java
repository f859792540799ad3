package dev.kiln.cli;

import dev.kiln.device.fpga.CpuBaselineModel;
import dev.kiln.device.fpga.Mm2imCycleModel;
import dev.kiln.device.fpga.Mm2imDriver;
import dev.kiln.device.fpga.Mm2imLayer;
import dev.kiln.device.fpga.Mm2imLimits;
import dev.kiln.tconv.TConvSpec;
import dev.kiln.tconv.TConvSuites;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code kiln tconv fpga-model}: the MM2IM accelerator's cycle model for every layer of a suite: cycles,
 * time at 200 MHz, achieved GOP/s and GOPs/DSP, and the speedup over the modelled 2-thread Cortex-A9 CPU
 * baseline. Pure arithmetic from loop bounds and initiation intervals; nothing runs.
 */
@Command(name = "fpga-model", mixinStandardHelpOptions = true,
        description = "Predict the MM2IM FPGA accelerator's cycles, GOP/s, GOPs/DSP and speedup over the modelled CPU baseline.")
final class TconvFpgaModel implements Callable<Integer> {
    @Option(names = "--suite", description = "synthetic, models, tflite-models, onnx-models or paper") String suite;
    @Option(names = "--layer", description = TconvLayers.LAYER_HELP) String layer;
    @Option(names = "--host-us", defaultValue = "" + Mm2imCycleModel.DEFAULT_HOST_MICROS,
            description = "assumed host cost per accelerator invocation in µs (default ${DEFAULT-VALUE})") double hostMicros;
    @Option(names = "--cpu-macs-per-cycle", defaultValue = "2.0",
            description = "assumed sustained int8 MACs/cycle/core of the A9 GEMM (default ${DEFAULT-VALUE})") double cpuMacs;
    @Option(names = "--leftover", defaultValue = "cpu",
            description = "where the Oc mod 8 filters run: cpu (as in the paper) or accelerator (a smaller last group)") String leftover;
    @Option(names = "--json", description = "print JSON") boolean json;
    @Option(names = "--plot", description = "write a PNG of the predicted speedups") Path plot;

    record Row(String name, String spec, boolean fits, String whyNot, long cycles, long invocations, double acceleratorMs,
               double systemMs, double cpuMs, double speedup, double gops, double gopsPerDsp, double peakFraction,
               int leftoverFilters, long effectiveMacs, long iomMacs) {}

    @Override
    public Integer call() throws IOException {
        List<TConvSuites.Layer> layers = new java.util.ArrayList<>();
        for (TConvSuites.Layer l : TconvLayers.select(suite == null && layer == null ? "paper" : suite, layer)) {
            if (l.spec().isPlain2d()) layers.add(l);          // the accelerator's model is TFLite's 2-D layer
            else System.err.println("skipped " + l.name() + ": the FPGA model covers 2-D, group-1, undilated layers without output padding");
        }
        if (layers.isEmpty()) throw new IllegalArgumentException("no layer the FPGA model covers (2-D, group 1, no dilation, no output padding)");
        Mm2imCycleModel model = new Mm2imCycleModel(Mm2imLimits.BUILT, 200.0, hostMicros, Mm2imCycleModel.ESTIMATED_DSPS);
        CpuBaselineModel cpu = new CpuBaselineModel(2, 650, cpuMacs, 1.0, 4.0);
        Mm2imDriver.Leftover where = switch (leftover) {
            case "cpu" -> Mm2imDriver.Leftover.CPU;
            case "accelerator" -> Mm2imDriver.Leftover.ACCELERATOR;
            default -> throw new IllegalArgumentException("--leftover must be cpu or accelerator, was '" + leftover + "'");
        };
        List<Row> rows = new ArrayList<>();
        for (TConvSuites.Layer l : layers) rows.add(row(l, model, cpu, where));

        Map<String, Object> summary = summary(rows, layers, model);
        List<TConvSuites.Layer> synthetic = layers.stream().filter(TconvFpgaModel::synthetic).toList();
        if (!synthetic.isEmpty()) {
            summary.put("CPU rate at which this model gives the paper's 1.9x mean over the sweep",
                    String.format("%.2f MACs/cycle/core", calibrate(synthetic, model, where, 1.9)));
        }
        if (json) {
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("model", Map.of("clockMHz", model.clockMhz(), "peakGops", model.peakGops(), "dsps", model.dsps(),
                    "hostMicrosPerInvocation", hostMicros, "cpu", Map.of("cores", cpu.cores(), "clockMHz", cpu.clockMhz(),
                            "gemmMacsPerCycle", cpu.gemmMacsPerCycle())));
            out.put("summary", summary);
            out.put("layers", rows);
            System.out.println(Json.write(out));
        } else {
            Table t = new Table("layer", "spec", "cycles", "calls", "accel ms", "system ms", "cpu ms", "speedup", "GOP/s", "GOPs/DSP", "% peak");
            for (Row r : rows) {
                if (!r.fits()) {
                    t.row(r.name(), r.spec(), "does not fit: " + r.whyNot(), "", "", "", "", "", "", "", "");
                    continue;
                }
                t.row(r.name(), r.spec(), r.cycles(), r.invocations(), f(r.acceleratorMs()), f(r.systemMs()), f(r.cpuMs()),
                        String.format("%.2f×", r.speedup()), String.format("%.1f", r.gops()), String.format("%.3f", r.gopsPerDsp()),
                        String.format("%.0f", 100 * r.peakFraction()));
            }
            System.out.print(t);
            System.out.println();
            summary.forEach((k, v) -> System.out.println(k + ": " + v));
            System.out.printf("model: %d PEs x %d int8 at %.0f MHz (peak %.1f GOP/s), %d DSPs (estimate), %.1f µs host cost per invocation; "
                            + "CPU: 2 x Cortex-A9 650 MHz at %.1f MACs/cycle/core (assumed)%n", Mm2imLimits.BUILT.peCount(), Mm2imLimits.BUILT.uf(),
                    model.clockMhz(), model.peakGops(), model.dsps(), hostMicros, cpuMacs);
        }
        if (plot != null) {
            Charts.Xy chart = new Charts.Xy("MM2IM on PYNQ-Z1 (cycle model): speedup over the 2-thread CPU model",
                    "IOM MACs of the layer", "predicted speedup (×)").logX();
            for (int i = 0; i < rows.size(); i++) {
                Row r = rows.get(i);
                if (!r.fits()) continue;
                chart.point(synthetic(layers.get(i)) ? "synthetic sweep" : "model layers", false, r.iomMacs(), r.speedup());
            }
            chart.writePng(plot, 1000, 600);
            System.err.println("wrote " + plot);
        }
        return 0;
    }

    /** Bisects the A9 GEMM rate that makes the mean predicted speedup over {@code layers} equal {@code target}. */
    private static double calibrate(List<TConvSuites.Layer> layers, Mm2imCycleModel model, Mm2imDriver.Leftover where, double target) {
        double lo = 0.05, hi = 256;
        for (int it = 0; it < 60; it++) {
            double mid = Math.sqrt(lo * hi);
            CpuBaselineModel cpu = new CpuBaselineModel(2, 650, mid, 1.0, 4.0);
            double mean = layers.stream().map(l -> row(l, model, cpu, where)).filter(Row::fits).mapToDouble(Row::speedup).average().orElse(0);
            if (mean > target) lo = mid;
            else hi = mid;
        }
        return Math.sqrt(lo * hi);
    }

    private static Row row(TConvSuites.Layer l, Mm2imCycleModel model, CpuBaselineModel cpu, Mm2imDriver.Leftover where) {
        TConvSpec s = l.spec();
        Mm2imLayer layer = new Mm2imLayer(s.ih(), s.iw(), s.ic(), s.oc(), s.kh(), s.kw(), s.sh(), s.sw(), s.padTop(), s.padLeft(),
                s.oh(), s.ow(), 0, 0);
        double cpuSeconds = cpu.seconds(layer, s.n());
        var why = model.limits().whyNotFits(layer);
        if (why.isPresent()) {
            return new Row(l.name(), s.label(), false, why.get(), 0, 0, 0, 0, cpuSeconds * 1e3, 0, 0, 0, 0, 0, s.effectiveMacs(), s.iomMacs());
        }
        Mm2imCycleModel.Prediction p = model.predict(layer, s.n(), where);
        double system = p.systemSeconds() + cpu.leftoverSeconds(p.cpuLeftoverMacs());
        return new Row(l.name(), s.label(), true, "", p.cycles(), p.invocations(), p.acceleratorSeconds() * 1e3, system * 1e3,
                cpuSeconds * 1e3, cpuSeconds / system, p.gops(), p.gopsPerDsp(), p.peakFraction(), s.oc() % Mm2imLimits.BUILT.peCount(),
                s.effectiveMacs(), s.iomMacs());
    }

    private static boolean synthetic(TConvSuites.Layer l) { return l.name().startsWith("tconv_"); }

    private static Map<String, Object> summary(List<Row> rows, List<TConvSuites.Layer> layers, Mm2imCycleModel model) {
        Map<String, Object> m = new LinkedHashMap<>();
        List<Double> synth = new ArrayList<>(), models = new ArrayList<>();
        double bestGopsPerDsp = 0, bestGops = 0;
        String bestModel = "";
        double bestModelSpeedup = 0;
        int fits = 0;
        for (int i = 0; i < rows.size(); i++) {
            Row r = rows.get(i);
            if (!r.fits()) continue;
            fits++;
            (synthetic(layers.get(i)) ? synth : models).add(r.speedup());
            bestGopsPerDsp = Math.max(bestGopsPerDsp, r.gopsPerDsp());
            bestGops = Math.max(bestGops, r.gops());
            if (!synthetic(layers.get(i)) && r.speedup() > bestModelSpeedup) {
                bestModelSpeedup = r.speedup();
                bestModel = r.name();
            }
        }
        m.put("layers", rows.size());
        m.put("fit the accelerator", fits);
        if (!synth.isEmpty()) {
            m.put("synthetic sweep: mean speedup (paper: 1.9x avg over its sweep)", String.format("%.2f×", synth.stream().mapToDouble(x -> x).average().orElse(0)));
            m.put("synthetic sweep: geomean / min / max speedup", String.format("%.2f× / %.2f× / %.2f×", geomean(synth),
                    synth.stream().mapToDouble(x -> x).min().orElse(0), synth.stream().mapToDouble(x -> x).max().orElse(0)));
        }
        if (!models.isEmpty()) {
            m.put("model layers: max speedup (paper: up to 4.2x)", String.format("%.2f× (%s)", bestModelSpeedup, bestModel));
            m.put("model layers: geomean speedup", String.format("%.2f×", geomean(models)));
        }
        m.put("best GOP/s", String.format("%.1f of %.1f peak", bestGops, model.peakGops()));
        m.put("best GOPs/DSP (comparators: Zhang 2017 0.012, Spagnolo 2020 ~0.34)", String.format("%.3f", bestGopsPerDsp));
        return m;
    }

    private static double geomean(List<Double> v) {
        return Math.exp(v.stream().mapToDouble(Math::log).average().orElse(0));
    }

    private static String f(double ms) { return ms >= 100 ? String.format("%.0f", ms) : ms >= 1 ? String.format("%.2f", ms) : String.format("%.3f", ms); }
}
