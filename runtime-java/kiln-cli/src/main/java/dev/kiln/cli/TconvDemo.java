package dev.kiln.cli;

import dev.kiln.device.Device;
import dev.kiln.device.Devices;
import dev.kiln.tconv.TConvBenchmark;
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

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Demo section: DCGAN's second layer (8x8x512 → 16x16x256, K5 s2) with MM2IM, verified and timed on each backend. */
final class TconvDemo implements DemoSection {
    @Override public String title() { return "TCONV: MM2IM on a DCGAN layer (fp32 vs fp64, int8 bit-exact, vs ONNX Runtime)"; }

    @Override
    public List<DemoResult> run(List<String> backends) {
        TConvSuites.Layer layer = TConvSuites.models().get(1);
        TConvSpec s = layer.spec();
        long seed = System.nanoTime();
        TConvImpl mm2im = TConvImpls.named("mm2im"), ort = TConvImpls.named("ort");
        TConvData.Fp32 f = TConvData.fp32(s, seed);
        double[] ref = TConvReference.fp64(s, f.input(), f.weights(), f.bias());
        TConvData.Int8 q = TConvData.int8(s, seed);
        Requantizer rq = q.quant().requantizer(s.oc(), Rounding.DOUBLE);
        byte[] refInt8 = TConvReference.int8(s, q.input(), q.weights(), q.bias(), q.quant().inputZeroPoint(), rq);
        String name = layer.name() + " " + s.label();
        List<DemoResult> out = new ArrayList<>();
        for (String b : backends) {
            if (!mm2im.supports(b)) continue;
            try (Device d = Devices.open(b)) {
                var r = TConvVerifier.compareFp32("mm2im", b, s, ref, TConvRunner.fp32(mm2im, d, s, f.input(), f.weights(), f.bias()), seed);
                List<TConvBenchmark.Entry> entries = new ArrayList<>(List.of(new TConvBenchmark.Entry(mm2im, d)));
                if (b.equals("cpu")) entries.add(new TConvBenchmark.Entry(ort, d));
                List<TConvBenchmark.Timing> t = TConvBenchmark.compare(entries, s, "fp32", seed, 5, 400_000_000L);
                String timing = String.format("%.2f ms", t.getFirst().medianNs() / 1e6);
                if (t.size() > 1) timing += String.format(", ORT %.2f ms (mm2im %.2fx)", t.get(1).medianNs() / 1e6, (double) t.get(1).medianNs() / t.getFirst().medianNs());
                out.add(new DemoResult("mm2im fp32 " + name, b, r.passed(), String.format("rel err %.1e, %s", r.relError(), timing)));
                byte[] y = TConvRunner.int8(mm2im, d, s, q.input(), q.weights(), q.bias(), q.quant().inputZeroPoint(), rq);
                var ri = TConvVerifier.compareInt8("mm2im", b, s, refInt8, y, seed);
                long ns = TConvBenchmark.compare(List.of(new TConvBenchmark.Entry(mm2im, d)), s, "int8", seed, 5, 400_000_000L).getFirst().medianNs();
                out.add(new DemoResult("mm2im int8 " + name, b, ri.passed(), String.format("%d mismatches of %d, %.2f ms (seed %d)", ri.mismatches(), refInt8.length, ns / 1e6, seed)));
            }
        }
        fpgaSimulation(mm2im, s, name, q, seed).ifPresent(out::add);
        return out;
    }

    /**
     * The FPGA accelerator's C simulation is a fixed-function backend, so it is not in the general list:
     * it runs here whenever it is available, int8 with the single rounding its post-processing unit does.
     */
    private static Optional<DemoResult> fpgaSimulation(TConvImpl mm2im, TConvSpec s, String name, TConvData.Int8 q, long seed) {
        String b = "fpga-sim";
        if (Devices.find(b).map(x -> !x.availability().available()).orElse(true)) return Optional.empty();
        Requantizer single = q.quant().requantizer(s.oc(), Rounding.SINGLE);
        byte[] want = TConvReference.int8(s, q.input(), q.weights(), q.bias(), q.quant().inputZeroPoint(), single);
        try (Device d = Devices.open(b)) {
            byte[] y = TConvRunner.int8(mm2im, d, s, q.input(), q.weights(), q.bias(), q.quant().inputZeroPoint(), single);
            var r = TConvVerifier.compareInt8("mm2im", b, s, want, y, seed);
            return Optional.of(new DemoResult("mm2im int8 (single rounding) " + name, b, r.passed(),
                    String.format("%d mismatches of %d, C simulation of the HLS accelerator (seed %d)", r.mismatches(), want.length, seed)));
        }
    }
}
