package dev.kiln.cli;

import dev.kiln.helixsim.Calibration;
import dev.kiln.helixsim.Catalog;
import dev.kiln.helixsim.CombineVolume;
import dev.kiln.helixsim.Estimate;
import dev.kiln.helixsim.Frontier;
import dev.kiln.helixsim.HardwareSpec;
import dev.kiln.helixsim.Headline;
import dev.kiln.helixsim.ModelSpec;
import dev.kiln.helixsim.OutputProjection;
import dev.kiln.helixsim.Precision;
import dev.kiln.helixsim.Ratio;
import dev.kiln.helixsim.Schedule;
import dev.kiln.helixsim.SimSettings;
import dev.kiln.helixsim.Simulation;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code kiln helix simulate}: the Helix-vs-baseline Pareto frontiers of the paper, from the analytical model. */
@Command(name = "simulate", mixinStandardHelpOptions = true,
        description = {"Simulate decode with Helix Parallelism and the best of TP, PP, DP-attention+EP and Medha-style KVP",
                "over 1-64 GPUs and B = 2^k; print the headline ratios, the HOP-B ablation and the frontiers."})
final class HelixSimulateCommand implements Callable<Integer> {
    /**
     * The paper's headline numbers (arXiv 2507.07120): max interactivity, throughput and batch at equal TTL,
     * TTL at fixed batch (the abstract's "1.5× at fixed batch sizes"; none given for Llama), HOP-B-off loss.
     */
    private static final Map<String, double[]> PAPER = Map.of(
            "deepseek-r1", new double[]{1.5, 32, 32, 1.5, 0.01},
            "llama-405b", new double[]{1.13, 4, 4, Double.NaN, 0.12});

    @Option(names = "--model", defaultValue = "deepseek-r1",
            description = "deepseek-r1, llama-405b, llama-70b, or a JSON file (may name a \"base\" and override fields). Default: ${DEFAULT-VALUE}.")
    String model;

    @Option(names = "--hardware", defaultValue = "gb200",
            description = "gb200, h100, h200, or a JSON file (may name a \"base\" and override fields). Default: ${DEFAULT-VALUE}.")
    String hardware;

    @Option(names = "--hop-b", defaultValue = "on", description = "HOP-B batch-wise overlap for Helix: on or off. Default: ${DEFAULT-VALUE}.")
    String hopB;

    @Option(names = "--wo", defaultValue = "n",
            description = "Where Helix's W_O is charged: n (TP = N, as Helix runs it) or tpa (the paper's Appendix A formula). Default: ${DEFAULT-VALUE}.")
    String wo;

    @Option(names = "--schedule", defaultValue = "batched",
            description = "Helix all-to-all schedule HOP-B is compared against: batched (one all-to-all per batch) or per-request (the paper's Fig. 3). Default: ${DEFAULT-VALUE}.")
    String schedule;

    @Option(names = "--combine", defaultValue = "hidden",
            description = "All-to-all volume per (token, head): hidden (H/Q, the paper's B·H) or latent (MLA kvLoraRank, as TensorRT-LLM sends). Default: ${DEFAULT-VALUE}.")
    String combine;

    @Option(names = "--context", defaultValue = "1048576", description = "KV length S in tokens. Default: ${DEFAULT-VALUE}.")
    long context;

    @Option(names = "--precision", defaultValue = "fp4", description = "Weights, KV and arithmetic: fp4, fp8 or bf16. Default: ${DEFAULT-VALUE}.")
    String precision;

    @Option(names = "--max-gpus", defaultValue = "64", description = "Largest GPU count swept (powers of two). Default: ${DEFAULT-VALUE}.")
    int maxGpus;

    @Option(names = "--max-batch", defaultValue = "4096", description = "Largest batch swept (powers of two). Default: ${DEFAULT-VALUE}.")
    int maxBatch;

    @Option(names = "--alpha-us", description = "Override the NVLink collective latency α, in microseconds.")
    Double alphaMicros;

    @Option(names = "--calibrate", description = "JSON of `kiln helix bench --json`: use the measured attention ÷ read-ceiling bandwidth fraction.")
    Path calibrate;

    @Option(names = "--json", description = "Print JSON: settings, headline ratios, HOP-B ablation and both frontiers.")
    boolean json;

    @Option(names = "--plot", description = "Write a PNG of both frontiers (tokens/s/GPU against tokens/s/user).")
    Path plot;

    @Option(names = "--frontier", description = "Also print every frontier point.")
    boolean printFrontier;

    @Override
    public Integer call() throws Exception {
        if (plot != null) OutputFiles.requireWritableDirectory("--plot", plot); // before the simulation, not after it
        ModelSpec m = Catalog.model(model);
        HardwareSpec hw = Catalog.hardware(hardware);
        if (alphaMicros != null) {
            if (!(alphaMicros >= 0)) throw new IllegalArgumentException("--alpha-us = " + alphaMicros + ": must be >= 0");
            hw = hw.withNvlinkAlpha(alphaMicros * 1e-6);
        }
        Calibration cal = calibrate == null ? null : Calibration.read(calibrate);
        if (cal != null) hw = hw.withHbmEfficiency(cal.hbmEfficiency());
        SimSettings settings = SimSettings.paper().withContextTokens(context).withPrecision(Precision.parse(precision))
                .withHopB(onOff(hopB)).withOutputProjection(outputProjection(wo))
                .withSchedule(choice("--schedule", schedule, Schedule.class)).withCombineVolume(choice("--combine", combine, CombineVolume.class));
        Simulation sim = Simulation.run(m, hw, settings, maxGpus, maxBatch);
        // The paper's numbers are for its setup only: GB200, FP4, S = 2^20, 1-64 GPUs.
        boolean paperSetup = hardware.equals("gb200") && context == 1 << 20 && settings.precision() == Precision.FP4 && maxGpus == 64;
        double[] paper = paperSetup ? PAPER.get(model) : null;

        if (plot != null) plot(sim, plot);
        if (json) {
            System.out.println(Json.write(jsonReport(sim, cal, paper)));
            return 0;
        }
        System.out.printf("Helix simulator: %s on %s%n", m.name(), hw.name());
        System.out.printf("S = %d, %s weights/KV/arithmetic, HBM %.2f TB/s × efficiency %.3f, NVLink α %.1f µs, %.0f GB/s%n",
                context, settings.precision().jsonName(), hw.hbmBytesPerSecond() / 1e12, hw.hbmEfficiency(),
                hw.nvlink().alphaSeconds() * 1e6, hw.nvlink().bytesPerSecond() / 1e9);
        System.out.printf("Helix: HOP-B %s, %s schedule, %s all-to-all volume, W_O at %s%n", settings.hopB() ? "on" : "off",
                settings.schedule().name().toLowerCase(java.util.Locale.ROOT).replace('_', '-'),
                settings.combineVolume().name().toLowerCase(java.util.Locale.ROOT),
                settings.outputProjection() == OutputProjection.AT_N ? "TP = N" : "TPA (paper formula)");
        if (cal != null) System.out.println("calibrated: " + cal);
        System.out.printf("swept 1-%d GPUs, B = 1..%d: %d Helix and %d baseline configurations fit in %.0f GB%n%n",
                maxGpus, maxBatch, sim.helix().size(), sim.baselines().size(), hw.hbmCapacityBytes() / 1e9);

        Table t = new Table("Helix ÷ best baseline", "simulated", "paper", "Helix layout", "baseline layout");
        row(t, "max interactivity (1/TTL)", sim.headline().interactivity(), paper == null ? null : paper[0]);
        row(t, "throughput at equal TTL (tok/s/GPU)", sim.headline().throughput(), paper == null ? null : paper[1]);
        row(t, "batch at equal TTL (users)", sim.headline().batch(), paper == null ? null : paper[2]);
        row(t, "TTL at equal batch", sim.headline().ttlAtFixedBatch(), paper == null || Double.isNaN(paper[3]) ? null : paper[3]);
        System.out.print(t);
        System.out.println();
        Table f = new Table("Helix ÷ one family", "fastest TTL ms", "interactivity", "throughput @equal TTL", "batch @equal TTL");
        for (var e : sim.byFamily().entrySet()) {
            Headline fh = e.getValue();
            f.row(e.getKey().label(), String.format("%.3f", fh.interactivity().baseline().ttlSeconds() * 1e3),
                    String.format("%.2f×", fh.interactivity().value()), String.format("%.2f×", fh.throughput().value()),
                    String.format("%.2f×", fh.batch().value()));
        }
        System.out.print(f);
        var hop = sim.hopB();
        System.out.printf("%nHOP-B off costs up to %.1f %% of tokens/s/user%s (at %s: TTL %.3f -> %.3f ms)%n",
                100 * hop.maxLoss(), paper == null ? "" : String.format(" (paper: %.0f %%)", 100 * paper[4]),
                hop.on() == null ? "-" : hop.on().layout().describe(),
                hop.on() == null ? Double.NaN : hop.on().ttlSeconds() * 1e3, hop.off() == null ? Double.NaN : hop.off().ttlSeconds() * 1e3);
        if (printFrontier) {
            System.out.println();
            printFrontier("Helix frontier", sim.helixFrontier());
            System.out.println();
            printFrontier("Best-baseline frontier", sim.baselineFrontier());
        }
        if (plot != null) System.out.println("\nplot written to " + plot);
        return 0;
    }

    private static void row(Table t, String name, Ratio r, Double paper) {
        String at = Double.isNaN(r.ttlBudgetSeconds()) ? "" : String.format(" @TTL %.2f ms", r.ttlBudgetSeconds() * 1e3);
        t.row(name, Double.isNaN(r.value()) ? "-" : String.format("%.2f×", r.value()) + at,
                paper == null ? "-" : String.format("%.2f×", paper),
                r.helix() == null ? "-" : r.helix().layout().describe(),
                r.baseline() == null ? "-" : r.baseline().layout().describe());
    }

    private static void printFrontier(String title, Frontier f) {
        System.out.println(title + ":");
        Table t = new Table("layout", "GPUs", "users", "TTL ms", "tok/s/user", "tok/s/GPU", "mem ms", "flop ms", "comm ms", "HBM used");
        for (Estimate e : f.points()) {
            t.row(e.layout().describe(), e.layout().gpus(), e.layout().users(), String.format("%.3f", e.ttlSeconds() * 1e3),
                    String.format("%.1f", e.interactivity()), String.format("%.2f", e.throughputPerGpu()),
                    String.format("%.3f", e.memorySeconds() * 1e3), String.format("%.3f", e.flopSeconds() * 1e3),
                    String.format("%.3f", e.commSeconds() * 1e3),
                    String.format("%.0f %%", 100 * (e.weightBytesPerGpu() + e.kvBytesPerGpu()) / e.capacityBytes()));
        }
        System.out.print(t);
    }

    private static void plot(Simulation sim, Path file) throws java.io.IOException {
        Charts.Xy chart = new Charts.Xy(sim.model().name() + " on " + sim.hardware().name() + ", S = " + (long) sim.settings().contextTokens(),
                "tokens/s/user (interactivity)", "tokens/s/GPU (throughput)");
        for (Estimate e : sim.baselineFrontier().points()) chart.point("best baseline (TP, PP, DP-attn+EP, Medha KVP)", true, e.interactivity(), e.throughputPerGpu());
        for (Estimate e : sim.helixFrontier().points()) chart.point("Helix" + (sim.settings().hopB() ? " (HOP-B on)" : " (HOP-B off)"), true, e.interactivity(), e.throughputPerGpu());
        if (sim.settings().hopB()) {
            for (Estimate e : sim.helixLockStepFrontier().points()) chart.point("Helix, HOP-B off", true, e.interactivity(), e.throughputPerGpu());
        }
        chart.writePng(file, 900, 600);
    }

    private static Map<String, Object> jsonReport(Simulation sim, Calibration cal, double[] paper) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("model", sim.model());
        out.put("hardware", sim.hardware());
        out.put("settings", sim.settings());
        if (cal != null) out.put("calibration", cal);
        out.put("helixConfigurations", sim.helix().size());
        out.put("baselineConfigurations", sim.baselines().size());
        Map<String, Object> h = new LinkedHashMap<>();
        h.put("maxInteractivity", ratio(sim.headline().interactivity()));
        h.put("throughputAtEqualTtl", ratio(sim.headline().throughput()));
        h.put("batchAtEqualTtl", ratio(sim.headline().batch()));
        h.put("ttlAtEqualBatch", ratio(sim.headline().ttlAtFixedBatch()));
        out.put("headline", h);
        Map<String, Object> hop = new LinkedHashMap<>();
        hop.put("maxInteractivityLoss", sim.hopB().maxLoss());
        hop.put("on", point(sim.hopB().on()));
        hop.put("off", point(sim.hopB().off()));
        out.put("hopBOff", hop);
        if (paper != null) out.put("paper", Map.of("maxInteractivity", paper[0], "throughputAtEqualTtl", paper[1],
                "batchAtEqualTtl", paper[2], "hopBOffLoss", paper[4]));
        Map<String, Object> families = new LinkedHashMap<>();
        sim.byFamily().forEach((s, fh) -> families.put(s.label(), Map.of(
                "maxInteractivity", ratio(fh.interactivity()), "throughputAtEqualTtl", ratio(fh.throughput()),
                "batchAtEqualTtl", ratio(fh.batch()))));
        out.put("byBaselineFamily", families);
        out.put("helixFrontier", points(sim.helixFrontier()));
        out.put("baselineFrontier", points(sim.baselineFrontier()));
        out.put("helixHopBOffFrontier", points(sim.helixLockStepFrontier()));
        return out;
    }

    private static Map<String, Object> ratio(Ratio r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("value", Double.isNaN(r.value()) ? null : r.value());
        m.put("ttlBudgetSeconds", Double.isNaN(r.ttlBudgetSeconds()) ? null : r.ttlBudgetSeconds());
        m.put("helix", point(r.helix()));
        m.put("baseline", point(r.baseline()));
        return m;
    }

    private static List<Map<String, Object>> points(Frontier f) {
        List<Map<String, Object>> list = new ArrayList<>();
        for (Estimate e : f.points()) list.add(point(e));
        return list;
    }

    private static Map<String, Object> point(Estimate e) {
        if (e == null) return null;
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("layout", e.layout().describe());
        m.put("strategy", e.layout().strategy().label());
        m.put("pp", e.layout().pp());
        m.put("dpa", e.layout().dpa());
        m.put("kvp", e.layout().kvp());
        m.put("tpa", e.layout().tpa());
        m.put("tpf", e.layout().tpf());
        m.put("ep", e.layout().ep());
        m.put("batch", e.layout().batch());
        m.put("gpus", e.layout().gpus());
        m.put("users", e.layout().users());
        m.put("ttlSeconds", e.ttlSeconds());
        m.put("tokensPerSecondPerUser", e.interactivity());
        m.put("tokensPerSecondPerGpu", e.throughputPerGpu());
        m.put("memorySeconds", e.memorySeconds());
        m.put("flopSeconds", e.flopSeconds());
        m.put("commSeconds", e.commSeconds());
        m.put("weightBytesPerGpu", e.weightBytesPerGpu());
        m.put("kvBytesPerGpu", e.kvBytesPerGpu());
        return m;
    }

    private static boolean onOff(String s) {
        return switch (s.toLowerCase(java.util.Locale.ROOT)) {
            case "on" -> true;
            case "off" -> false;
            default -> throw new IllegalArgumentException("--hop-b = '" + s + "': allowed are on, off");
        };
    }

    private static <E extends Enum<E>> E choice(String option, String value, Class<E> type) {
        for (E e : type.getEnumConstants()) {
            if (e.name().replace('_', '-').equalsIgnoreCase(value)) return e;
        }
        throw new IllegalArgumentException(option + " = '" + value + "': allowed are "
                + java.util.Arrays.stream(type.getEnumConstants()).map(e -> e.name().replace('_', '-').toLowerCase(java.util.Locale.ROOT)).toList());
    }

    private static OutputProjection outputProjection(String s) {
        return switch (s.toLowerCase(java.util.Locale.ROOT)) {
            case "n" -> OutputProjection.AT_N;
            case "tpa" -> OutputProjection.AT_TPA;
            default -> throw new IllegalArgumentException("--wo = '" + s + "': allowed are n, tpa");
        };
    }
}
