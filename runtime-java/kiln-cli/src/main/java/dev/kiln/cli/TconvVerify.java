package dev.kiln.cli;

import dev.kiln.device.Device;
import dev.kiln.device.Devices;
import dev.kiln.tconv.TConvData;
import dev.kiln.tconv.TConvImpl;
import dev.kiln.tconv.TConvImpls;
import dev.kiln.tconv.TConvRunner;
import dev.kiln.tconv.TConvSpec;
import dev.kiln.tconv.TConvSuites;
import dev.kiln.tconv.TConvVerifier;
import dev.kiln.tconv.quant.Requantizer;
import dev.kiln.tconv.quant.Rounding;
import dev.kiln.tconv.reference.TConvReference;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code kiln tconv verify}: every implementation on every backend against the fp64 / exact-int64 reference. */
@Command(name = "verify", mixinStandardHelpOptions = true,
        description = "Check implementations against the reference: fp32 max abs / rel error (pass: rel <= 1e-5), int8 mismatching elements (pass: 0).")
final class TconvVerify implements Callable<Integer> {
    @Option(names = "--suite", description = "synthetic, models, tflite-models, onnx-models or paper") String suite;
    @Option(names = "--layer", description = TconvLayers.LAYER_HELP) String layer;
    @Option(names = "--dtype", defaultValue = "fp32", description = "fp32 or int8 (default ${DEFAULT-VALUE})") String dtype;
    @Option(names = "--backend", split = ",", defaultValue = "all", description = "backends, or all available (default)") List<String> backends;
    @Option(names = "--impl", split = ",", description = "implementations (default: mm2im, iom, zero-insertion, and ort for fp32 on cpu)") List<String> impls;
    @Option(names = "--rounding", defaultValue = "double", description = "int8 requantisation: double (TFLite default) or single") String rounding;
    @Option(names = "--seed", description = "random seed (default: fresh)") Long seed;
    @Option(names = "--json", description = "print JSON") boolean json;

    @Override
    public Integer call() {
        if (!dtype.equals("fp32") && !dtype.equals("int8")) throw new IllegalArgumentException("--dtype must be fp32 or int8, was '" + dtype + "'");
        Rounding r = Rounding.parse(rounding);
        List<TConvSuites.Layer> layers = TconvLayers.select(suite, layer);
        List<String> chosen = TconvLayers.backends(backends);
        List<TConvImpl> defaults = new ArrayList<>(TConvImpls.kernels());
        if (dtype.equals("fp32")) defaults.add(TConvImpls.named("ort"));
        List<TConvImpl> implList = TconvLayers.impls(impls, defaults);
        long s0 = seed != null ? seed : System.nanoTime();
        List<TConvVerifier.Result> results = new ArrayList<>();
        Map<String, Device> devices = new LinkedHashMap<>();
        try {
            for (String b : chosen) devices.put(b, Devices.open(b));
            int done = 0;
            for (TConvSuites.Layer l : layers) {
                long layerSeed = s0 + done;
                TconvLayers.progress(done, layers.size(), l.name());
                results.addAll(dtype.equals("fp32") ? fp32(l.spec(), implList, devices, layerSeed) : int8(l.spec(), implList, devices, r, layerSeed));
                ++done;
            }
        } finally {
            devices.values().forEach(Device::close);
        }
        if (results.isEmpty()) {  // e.g. --backend fpga-sim with the default fp32 or double rounding: say why, not "PASS: 0 checks"
            List<String> why = new ArrayList<>();
            for (String b : chosen) for (TConvImpl impl : implList) TconvLayers.unsupported(impl, b, dtype.equals("int8"), r, "use --dtype int8").ifPresent(why::add);
            throw new IllegalArgumentException("nothing to verify: " + String.join("; ", why));
        }
        boolean ok = results.stream().allMatch(TConvVerifier.Result::passed);
        if (json) {
            System.out.println(Json.write(Map.of("dtype", dtype, "rounding", r.toString(), "seed", s0, "passed", ok, "results", results.stream().map(x -> row(x, layers)).toList())));
        } else {
            Table t = new Table("layer", "spec", "impl", "backend", dtype.equals("fp32") ? "max abs err" : "max |diff|", dtype.equals("fp32") ? "rel err" : "mismatches", "result");
            for (TConvVerifier.Result x : results) {
                t.row(name(x.spec(), layers), x.spec().label(), x.impl(), x.backend(),
                        dtype.equals("fp32") ? String.format("%.2e", x.maxAbsError()) : String.format("%.0f", x.maxAbsError()),
                        dtype.equals("fp32") ? String.format("%.2e", x.relError()) : Long.toString(x.mismatches()),
                        x.passed() ? "PASS" : "FAIL");
            }
            System.out.print(t);
            long failed = results.stream().filter(x -> !x.passed()).count();
            System.out.printf("%s: %d checks, %d failed (%s%s, seed %d)%n", ok ? "PASS" : "FAIL", results.size(), failed, dtype,
                    dtype.equals("int8") ? ", " + r + " rounding" : "", s0);
        }
        return ok ? 0 : 1;
    }

    private static String name(TConvSpec s, List<TConvSuites.Layer> layers) {
        return layers.stream().filter(l -> l.spec().equals(s)).map(TConvSuites.Layer::name).findFirst().orElse("layer");
    }

    private static Map<String, Object> row(TConvVerifier.Result x, List<TConvSuites.Layer> layers) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("layer", name(x.spec(), layers));
        m.put("spec", x.spec().toString());
        m.put("impl", x.impl());
        m.put("backend", x.backend());
        m.put("dtype", x.dtype());
        m.put("maxAbsError", x.maxAbsError());
        m.put("relError", x.relError());
        m.put("mismatches", x.mismatches());
        m.put("passed", x.passed());
        m.put("seed", x.seed());
        return m;
    }

    private static List<TConvVerifier.Result> fp32(TConvSpec s, List<TConvImpl> impls, Map<String, Device> devices, long seed) {
        TConvData.Fp32 d = TConvData.fp32(s, seed);
        double[] ref = TConvReference.fp64(s, d.input(), d.weights(), d.bias());
        List<TConvVerifier.Result> out = new ArrayList<>();
        for (var e : devices.entrySet()) {
            for (TConvImpl impl : impls) {
                if (impl.unsupported(e.getKey(), false, null).isPresent() || impl.unsupported(s, false).isPresent()) continue;
                float[] y = TConvRunner.fp32(impl, e.getValue(), s, d.input(), d.weights(), d.bias());
                out.add(TConvVerifier.compareFp32(impl.name(), e.getKey(), s, ref, y, seed));
            }
        }
        return out;
    }

    private static List<TConvVerifier.Result> int8(TConvSpec s, List<TConvImpl> impls, Map<String, Device> devices, Rounding r, long seed) {
        if (s.int8Unsupported() != null) {                        // TFLite defines no int8 for it: say so, check nothing
            System.err.println("skipped " + s.label() + ": " + s.int8Unsupported());
            return List.of();
        }
        TConvData.Int8 d = TConvData.int8(s, seed);
        Requantizer rq = d.quant().requantizer(s.oc(), r);
        byte[] ref = TConvReference.int8(s, d.input(), d.weights(), d.bias(), d.quant().inputZeroPoint(), rq);
        List<TConvVerifier.Result> out = new ArrayList<>();
        for (var e : devices.entrySet()) {
            for (TConvImpl impl : impls) {
                if (impl.unsupported(e.getKey(), true, r).isPresent() || !impl.supportsInt8() || impl.unsupported(s, true).isPresent()) continue;
                byte[] y = TConvRunner.int8(impl, e.getValue(), s, d.input(), d.weights(), d.bias(), d.quant().inputZeroPoint(), rq);
                out.add(TConvVerifier.compareInt8(impl.name(), e.getKey(), s, ref, y, seed));
            }
        }
        return out;
    }
}
