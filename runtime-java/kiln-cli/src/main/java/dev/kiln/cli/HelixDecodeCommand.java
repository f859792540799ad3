package dev.kiln.cli;

import dev.kiln.attention.KvDtype;
import dev.kiln.attention.helix.HelixMapping;
import dev.kiln.attention.model.HelixDecoder;
import dev.kiln.attention.model.ModelShape;
import dev.kiln.attention.model.PhaseTimes.Phase;
import dev.kiln.device.Device;
import dev.kiln.device.Devices;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;

/**
 * {@code kiln helix decode}: a random-weight decoder run as Helix on emulated ranks over a synthetic
 * prefilled context, greedy for {@code --tokens} steps; tokens/s and milliseconds per phase, with HOP-B
 * off, on, or both side by side.
 */
@Command(name = "decode", mixinStandardHelpOptions = true,
        description = "Decode with a random-weight Llama- or MLA-shaped model on KVP x TPA emulated ranks; tokens/s and time per phase, HOP-B on vs off.")
final class HelixDecodeCommand implements Callable<Integer> {
    @Option(names = "--model", defaultValue = "llama-8b-shape", description = "llama-8b-shape, mla-shape, moe-shape (Qwen3-30B-A3B widths: 128 experts, 8 per token), test-gqa, test-mla or test-moe (default: ${DEFAULT-VALUE}).")
    String model;

    @Option(names = "--layers", description = "Layers (default: the preset's, chosen to fit 24 GiB).")
    Integer layers;

    @Option(names = "--kvp", defaultValue = "4", description = "KV-parallel width (default: ${DEFAULT-VALUE}).")
    int kvp;

    @Option(names = "--tpa", defaultValue = "2", description = "Attention tensor-parallel width, <= KV heads (default: ${DEFAULT-VALUE}).")
    int tpa;

    @Option(names = "--ep", defaultValue = "1", description = "Expert-parallel width of a mixture-of-experts FFN; the FFN runs on a TPF x EP grid "
            + "with TPF = kvp*tpa/ep (dense models: 1; default: ${DEFAULT-VALUE}).")
    int ep;

    @Option(names = "--context", defaultValue = "65536", description = "Prefilled context length (default: ${DEFAULT-VALUE}).")
    int context;

    @Option(names = "--tokens", defaultValue = "32", description = "Decode steps timed (default: ${DEFAULT-VALUE}).")
    int tokens;

    @Option(names = "--batch", defaultValue = "4", description = "Sequences decoded together (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--micro-batches", description = "HOP-B micro-batches (default: batch).")
    Integer microBatches;

    @Option(names = "--hop-b", defaultValue = "both", description = "on, off or both (default: ${DEFAULT-VALUE}).")
    String hopB;

    @Option(names = "--kv-dtype", defaultValue = "bf16", description = "fp32 or bf16 (default: ${DEFAULT-VALUE}).")
    String kvDtype;

    @Option(names = "--append-block", defaultValue = "16", description = "Decode steps per KVP rank before the next one takes the appends (default: ${DEFAULT-VALUE}).")
    int appendBlock;

    @Option(names = "--seed", defaultValue = "1", description = "Weight seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--json", description = "Print JSON.")
    boolean json;

    @Override
    public Integer call() {
        ModelShape s = ModelShape.named(model);
        if (layers != null) s = s.withLayers(layers);
        if (tokens < 1) throw new IllegalArgumentException("--tokens must be >= 1, was " + tokens);
        if (context < 0) throw new IllegalArgumentException("--context must be >= 0, was " + context);
        List<Boolean> modes = switch (hopB) {
            case "on" -> List.of(true);
            case "off" -> List.of(false);
            case "both" -> List.of(false, true);
            default -> throw new IllegalArgumentException("--hop-b must be on, off or both, was '" + hopB + "'");
        };
        if (ep < 1 || (kvp * tpa) % ep != 0) throw new IllegalArgumentException("--ep must divide N = kvp*tpa = " + kvp * tpa + ", was " + ep);
        HelixMapping m = HelixMapping.of(kvp, tpa, s.qHeads(), s.kvHeads()).withAppendBlock(appendBlock).withFfnGrid(kvp * tpa / ep, ep);
        KvDtype dtype = KvDtype.parse(kvDtype);
        List<Map<String, Object>> runs = new ArrayList<>();
        int mb = microBatches != null ? microBatches : batch;
        try (Device device = Devices.open("cpu")) {
            HelixDecoder.Config c = new HelixDecoder.Config(s, m, dtype, 64, batch, mb, modes.getLast(), 0, seed,
                    context + tokens * modes.size() + 4);
            try (HelixDecoder d = new HelixDecoder(device, c)) {
                ProgressLines.note("helix decode", "prefilling " + context + " tokens of context for " + batch + " sequences");
                d.prefillSynthetic(context, seed);
                SplittableRandom r = new SplittableRandom(seed);
                int[] next = new int[batch];
                for (int b = 0; b < batch; b++) next[b] = r.nextInt(s.vocab());
                ProgressLines.note("helix decode", "3 warm-up steps (not timed)");
                for (int w = 0; w < 3; w++) next = greedy(d, next, s, modes.get(w % modes.size())); // JIT warm-up, not timed
                d.resetTimes();
                // Modes alternate step by step, so a machine shared with other work slows both alike.
                double[] seconds = new double[2];
                ProgressLines progress = new ProgressLines("helix decode", tokens * modes.size());
                for (int i = 0; i < tokens * modes.size(); i++) {
                    boolean on = modes.get(i % modes.size());
                    long t0 = System.nanoTime();
                    next = greedy(d, next, s, on);
                    long ns = System.nanoTime() - t0;
                    seconds[on ? 1 : 0] += ns / 1e9;
                    progress.done(i + 1, String.format(Locale.ROOT, "step with HOP-B %s: %.1f ms", on ? "on" : "off", ns / 1e6));
                }
                for (boolean on : modes) {
                    double sec = seconds[on ? 1 : 0];
                    Map<String, Object> run = new LinkedHashMap<>();
                    run.put("hopB", on);
                    run.put("microBatches", mb);
                    run.put("steps", tokens);
                    run.put("seconds", sec);
                    run.put("tokensPerSecond", tokens * (double) batch / sec);
                    run.put("stepsPerSecond", tokens / sec);
                    run.put("kvBytesPerStep", d.kvBytes());
                    Map<String, Double> phases = new LinkedHashMap<>();
                    for (Map.Entry<Phase, Double> e : d.phaseMillis(on).entrySet()) phases.put(e.getKey().name().toLowerCase(), e.getValue());
                    run.put("rank0MillisPerStep", phases);
                    runs.add(run);
                }
            }
        }
        if (json) {
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("model", s);
            out.put("mapping", Map.of("kvp", kvp, "tpa", tpa, "tpf", m.tpf(), "ep", m.ep(), "appendBlock", appendBlock));
            out.put("context", context);
            out.put("batch", batch);
            out.put("kvDtype", dtype.toString());
            out.put("runs", runs);
            System.out.println(Json.write(out));
            return 0;
        }
        System.out.printf("%s (%d layers, H %d, %d/%d heads, F %d%s), %s, context %d, batch %d, %s KV; %d ranks as threads on the cpu%n",
                s.name(), s.layers(), s.hidden(), s.qHeads(), s.kvHeads(), s.ffn(),
                s.moe() ? " per expert, " + s.experts() + " experts, " + s.expertsPerToken() + " per token" : "", m, context, batch, dtype, m.size());
        List<String> header = new ArrayList<>(List.of("HOP-B", "micro-batches", "tokens/s", "ms/step"));
        for (Phase p : Phase.values()) header.add(p.name().toLowerCase() + " ms");
        Table t = new Table(header.toArray(String[]::new));
        for (Map<String, Object> run : runs) {
            List<Object> row = new ArrayList<>();
            row.add((Boolean) run.get("hopB") ? "on" : "off");
            row.add(run.get("microBatches"));
            row.add(String.format("%.2f", (Double) run.get("tokensPerSecond")));
            row.add(String.format("%.1f", 1e3 / (Double) run.get("stepsPerSecond")));
            @SuppressWarnings("unchecked") Map<String, Double> ph = (Map<String, Double>) run.get("rank0MillisPerStep");
            for (Phase p : Phase.values()) row.add(String.format("%.2f", ph.get(p.name().toLowerCase())));
            t.row(row.toArray());
        }
        System.out.print(t);
        System.out.println("modes alternate step by step over the same micro-batches; HOP-B off = every exchange after all attention (lock-step), on = each micro-batch's exchange overlaps the next one's attention.");
        System.out.println("phases are rank 0's wall time per step (all_to_all = time blocked in or waiting for the exchange; w_o and ffn include their all-reduce)");
        return 0;
    }

    private static int[] greedy(HelixDecoder d, int[] tokens, ModelShape s, boolean hopB) {
        float[] logits = d.step(tokens, hopB);
        int[] next = new int[tokens.length];
        for (int b = 0; b < tokens.length; b++) next[b] = HelixDecoder.argmax(logits, b, s.vocab());
        return next;
    }
}
