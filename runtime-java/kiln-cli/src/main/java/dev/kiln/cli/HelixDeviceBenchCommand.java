package dev.kiln.cli;

import dev.kiln.attention.DecodeShape;
import dev.kiln.attention.DeviceAttentionBench;
import dev.kiln.attention.KvDtype;
import dev.kiln.device.Device;
import dev.kiln.device.Devices;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

/**
 * {@code kiln helix device-bench}: on an OpenCL or CUDA device, decode attention's KV bytes/s (split-kv and
 * flash kernels) as a fraction of the same run's device-to-device copy bandwidth and read-only pass over the
 * same bytes. The goal on a GPU: flash ÷ copy ≥ 0.85 at 64K context and beyond.
 */
@Command(name = "device-bench", mixinStandardHelpOptions = true,
        description = "Decode attention on an OpenCL/CUDA device (split-kv and flash kernels) vs the device's copy and read-only "
                + "bandwidth on the same bytes, timed in turns; medians. On PoCL (OpenCL on the CPU) this is a smoke test.")
final class HelixDeviceBenchCommand implements Callable<Integer> {
    @Option(names = "--backend", defaultValue = "cuda", description = "opencl or cuda (default: ${DEFAULT-VALUE}).")
    String backend;

    @Option(names = "--context", defaultValue = "65536,1048576", description = "Contexts: FROM..TO (doubling) or a comma list (default: ${DEFAULT-VALUE}).")
    String context;

    @Option(names = "--kv-dtype", defaultValue = "fp32", description = "fp32, bf16 or a comma list (fp32,bf16: both in one run) (default: ${DEFAULT-VALUE}).")
    String kvDtype;

    @Mixin
    DecodeShapeOptions decode;

    @Option(names = "--splits", defaultValue = "0", description = "Splits per sequence; 0 = chosen from the device (default: ${DEFAULT-VALUE}).")
    int splits;

    @Option(names = "--reps", defaultValue = "9", description = "Timed rounds per point; medians (default: ${DEFAULT-VALUE}).")
    int reps;

    @Option(names = "--json", description = "Print JSON.")
    boolean json;

    @Override
    public Integer call() {
        if (!backend.equals("opencl") && !backend.equals("cuda")) throw new IllegalArgumentException("--backend must be opencl or cuda, was '" + backend + "'");
        if (reps < 1) throw new IllegalArgumentException("--reps must be >= 1, was " + reps);
        if (splits < 0) throw new IllegalArgumentException("--splits must be >= 0 (0 = choose), was " + splits);
        List<Integer> contexts = HelixBenchCommand.parseContexts(context);
        DecodeShape s = decode.decodeShape();
        List<KvDtype> dtypes = Arrays.stream(kvDtype.split(",")).map(String::trim).map(KvDtype::parse).toList();
        List<Map<String, Object>> results = new ArrayList<>();
        Table t = new Table("KV", "context", "KV bytes", "splits", "split-kv", "flash", "flash / split-kv", "read-only", "copy (r+w)", "flash / copy", "flash / read", "flash ms");
        String deviceName, flashShape;
        try (Device device = Devices.open(backend)) {
            deviceName = device.info().name();
            flashShape = device.info().cpuShapedKernels() ? "CPU shape: one item per task, 16-wide vectors" : "GPU shape: a warp per K row";
            for (KvDtype dtype : dtypes) for (int ctx : contexts) {
                DeviceAttentionBench.Point p = DeviceAttentionBench.run(device, s, dtype, decode.batch, ctx, decode.block, splits, reps, ctx);
                Map<String, Object> r = new LinkedHashMap<>();
                r.put("kvDtype", dtype.toString());
                r.put("context", ctx);
                r.put("kvBytes", p.kvBytes());
                r.put("splits", p.splits());
                r.put("splitKvBytesPerSecond", p.splitKvBytesPerSecond());
                r.put("flashBytesPerSecond", p.flashBytesPerSecond());
                r.put("readBytesPerSecond", p.readBytesPerSecond());
                r.put("copyBytesPerSecond", p.copyBytesPerSecond());
                r.put("flashToCopy", p.flashToCopy());
                r.put("flashToRead", p.flashToRead());
                r.put("flashSpeedupOverSplitKv", p.flashSpeedup());
                r.put("flashSeconds", p.flashSeconds());
                results.add(r);
                t.row(dtype, ctx, Table.bytes(p.kvBytes()), p.splits(), HelixBenchCommand.gbs(p.splitKvBytesPerSecond()), HelixBenchCommand.gbs(p.flashBytesPerSecond()),
                        String.format("%.2fx", p.flashSpeedup()), HelixBenchCommand.gbs(p.readBytesPerSecond()), HelixBenchCommand.gbs(p.copyBytesPerSecond()),
                        String.format("%.2f", p.flashToCopy()), String.format("%.2f", p.flashToRead()), String.format("%.3f", p.flashSeconds() * 1e3));
                if (!json) System.err.printf("%s context %d: flash %.2fx split-kv, %.2f of copy bandwidth%n", dtype, ctx, p.flashSpeedup(), p.flashToCopy());
            }
        }
        if (json) {
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("backend", backend);
            out.put("device", deviceName);
            out.put("shape", decode.shape);
            out.put("kvDtype", dtypes.stream().map(KvDtype::toString).collect(Collectors.joining(",")));
            out.put("flashShape", flashShape);
            out.put("batch", decode.batch);
            out.put("blockSize", decode.block);
            out.put("reps", reps);
            out.put("results", results);
            System.out.println(Json.write(out));
        } else {
            System.out.printf("decode attention on %s (%s), %s, batch %d, page %d; medians of %d; GB/s of KV read (copy: read + write); flash in its %s%n",
                    backend, deviceName, decode.shape, decode.batch, decode.block, reps, flashShape);
            System.out.print(t);
        }
        return 0;
    }
}
