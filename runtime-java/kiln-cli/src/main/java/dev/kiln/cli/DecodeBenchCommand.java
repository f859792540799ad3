package dev.kiln.cli;

import dev.kiln.device.Device;
import dev.kiln.device.Devices;
import dev.kiln.inference.model.DecodeBench;
import dev.kiln.inference.model.LlamaConfig;
import dev.kiln.inference.model.SyntheticLlama;
import dev.kiln.inference.quant.Activations;
import dev.kiln.inference.tensor.TensorType;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code kiln decode-bench}: decode tokens/s of a Llama-3.2-1B-shaped model with random weights, against the read ceiling. */
@Command(name = "decode-bench", mixinStandardHelpOptions = true,
        description = "Decode a Llama-3.2-1B-shaped model with random weights (q8_0, q4_0, f32, ...): tokens/s x weight bytes per token / read ceiling, medians.")
final class DecodeBenchCommand implements Callable<Integer> {
    @Option(names = "--type", split = ",", defaultValue = "q8_0,q4_0,f32", description = "Weight types (default: ${DEFAULT-VALUE}).")
    List<String> types;

    @Option(names = "--activations", split = ",", defaultValue = "int8", description = "How q8_0/q4_0 weights take their activations: "
            + "int8 (quantized per block of 32 as llama.cpp does; int8 dot products, AVX-512 VNNI; fp32 where the cpu lacks VNNI, as the activations column says) or fp32; a list runs each (default: ${DEFAULT-VALUE}).")
    List<String> activations;

    @Option(names = "--steps", defaultValue = "15", description = "Timed decode steps per type (default: ${DEFAULT-VALUE}).")
    int steps;

    @Option(names = "--layers", description = "Override the 16 layers (a smaller working set).")
    Integer layers;

    @Option(names = "--json", description = "Print JSON.")
    boolean json;

    @Override
    public Integer call() {
        LlamaConfig s = SyntheticLlama.LLAMA_3_2_1B;
        if (layers != null) {
            s = new LlamaConfig(s.vocab(), s.dim(), layers, s.heads(), s.kvHeads(), s.ffn(), s.context(), s.ropeDims(), s.ropeTheta(),
                    s.rmsEps(), s.ropeInterleaved(), s.gguf());
        }
        String loadBefore = loadAverage();
        List<Map<String, Object>> rows = new ArrayList<>();
        List<Activations> modes = activations.stream().map(Activations::parse).distinct().toList();
        Table t = new Table("type", "activations", "weight MB/token", "ms/token", "tokens/s", "decode GB/s", "ceiling GB/s", "fraction of ceiling", "paired fraction", "warm-up steps");
        try (Device cpu = Devices.open("cpu")) {
            for (String name : types) {
                TensorType type;
                try {
                    type = TensorType.valueOf(name.toUpperCase(Locale.ROOT));
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("--type = '" + name + "'; allowed: f32, f16, bf16, q8_0, q4_0");
                }
                for (Activations mode : type.quantized() ? modes : List.of(Activations.FP32)) {   // f32 takes x in fp32 either way
                    rows.add(measure(cpu, s, type, mode, t));
                }
            }
        }
        if (json) {
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("shape", s);
            out.put("cpuThreads", Runtime.getRuntime().availableProcessors());
            out.put("loadAverageBefore", loadBefore);
            out.put("loadAverageAfter", loadAverage());
            out.put("runs", rows);
            System.out.println(Json.write(out));
        } else {
            System.out.printf("Llama-3.2-1B shape (%d layers, dim %d, %d/%d heads, FFN %d, vocab %d, tied head), random weights; medians of %d steps, each followed by the read ceiling over the same bytes%n",
                    s.layers(), s.dim(), s.heads(), s.kvHeads(), s.ffn(), s.vocab(), steps);
            System.out.print(t);
            System.out.printf("load average (1, 5, 15 min) before: %s, after: %s%n", loadBefore, loadAverage());
        }
        return 0;
    }

    /** One decode bench run: its JSON row, and its line in {@code t}. */
    private Map<String, Object> measure(Device cpu, LlamaConfig s, TensorType type, Activations mode, Table t) {
        DecodeBench.Result r = DecodeBench.run(cpu, s, type, mode, steps, 1);
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("type", r.type());
        row.put("activations", r.activations());
        row.put("weightBytesPerToken", r.weightBytesPerToken());
        row.put("secondsPerToken", r.secondsPerToken());
        row.put("tokensPerSecond", r.tokensPerSecond());
        row.put("ceilingBytesPerSecond", r.ceilingBytesPerSecond());
        row.put("fractionOfCeiling", r.fractionOfCeiling());
        row.put("pairedFraction", r.pairedFraction());
        row.put("warmUpSteps", r.warmUpSteps());
        row.put("stepSeconds", r.stepSeconds());
        row.put("ceilingSeconds", r.ceilingSeconds());
        t.row(r.type(), r.activations(), String.format("%.0f", r.weightBytesPerToken() / 1e6), String.format("%.1f", r.secondsPerToken() * 1e3),
                String.format("%.2f", r.tokensPerSecond()), String.format("%.2f", r.weightBytesPerToken() / r.secondsPerToken() / 1e9),
                String.format("%.2f", r.ceilingBytesPerSecond() / 1e9), String.format("%.3f", r.fractionOfCeiling()), String.format("%.3f", r.pairedFraction()), String.valueOf(r.warmUpSteps()));
        return row;
    }

    /** The machine's load averages from /proc/loadavg, which the numbers depend on where other work shares the cores; "n/a" elsewhere. */
    private static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException | RuntimeException e) {
            return "n/a";
        }
    }
}
