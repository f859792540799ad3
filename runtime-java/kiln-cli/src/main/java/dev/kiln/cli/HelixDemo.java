package dev.kiln.cli;

import dev.kiln.attention.DecodeShape;
import dev.kiln.attention.KvDtype;
import dev.kiln.attention.helix.HelixMapping;
import dev.kiln.attention.helix.HelixVerification;
import dev.kiln.attention.model.HelixDecoder;
import dev.kiln.attention.model.ModelShape;
import dev.kiln.device.Device;
import dev.kiln.device.Devices;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/** Demo section: Helix attention exactness on each backend, and a Helix decode against the single-rank one. */
final class HelixDemo implements DemoSection {
    @Override public String title() { return "Helix: KV-parallel decode attention (arXiv 2507.07120)"; }

    @Override
    public List<DemoResult> run(List<String> backends) {
        List<DemoResult> out = new ArrayList<>();
        long seed = System.nanoTime();
        for (String name : backends) {
            try (Device dev = Devices.open(name)) {
                for (String shape : List.of("gqa", "mla")) {
                    var s = DecodeShape.named(shape);
                    HelixMapping m = HelixMapping.of(4, shape.equals("gqa") ? 2 : 1, s.qHeads(), s.kvHeads());
                    long t0 = System.nanoTime();
                    HelixVerification.Case c = HelixVerification.one(dev, m, s, KvDtype.FP32, 16, 1, 1000, seed);
                    out.add(new DemoResult("attention " + shape + " KVP=4 TPA=" + m.tpa() + " S=1000 vs fp64", name, c.passed(),
                            String.format("rel err %.1e, %.0f ms (seed %d)", c.relError(), (System.nanoTime() - t0) / 1e6, seed)));
                }
                HelixVerification.Case bf = HelixVerification.one(dev, HelixMapping.of(2, 1, 32, 8), DecodeShape.gqa(), KvDtype.BF16, 16, 1, 1000, seed);
                out.add(new DemoResult("attention gqa bf16 KV vs fp64", name, bf.passed(),
                        String.format("max err %.1e, mismatch %.4f at atol 0.1/rtol 0.05", bf.maxAbsError(), bf.mismatchRatio())));
                for (HelixVerification.Case c : HelixVerification.mergeChecks(dev, seed)) {
                    out.add(new DemoResult("merge: " + c.note().replaceAll(";.*", ""), name, c.passed(), String.format("rel err %.1e", c.relError())));
                }
            }
        }
        if (backends.contains("cpu")) {
            out.add(decode(ModelShape.testGqa(), 1, seed));
            out.add(decode(ModelShape.testMoe(), 4, seed));   // MoE FFN on TPF 2 x EP 4
        }
        return out;
    }

    private static DemoResult decode(ModelShape s, int ep, long seed) {
        int steps = 24, batch = 2;
        try (Device dev = Devices.open("cpu");
             HelixDecoder one = new HelixDecoder(dev, config(s, 1, 1, 1, batch, false, seed, steps));
             HelixDecoder helix = new HelixDecoder(dev, config(s, 4, 2, ep, batch, true, seed, steps))) {
            SplittableRandom r = new SplittableRandom(seed);
            int[] tok = {r.nextInt(s.vocab()), r.nextInt(s.vocab())};
            double worst = 0;
            boolean same = true;
            for (int i = 0; i < steps; i++) {
                float[] a = one.step(tok), b = helix.step(tok);
                double num = 0, den = 0;
                for (int j = 0; j < a.length; j++) { num += (double) (a[j] - b[j]) * (a[j] - b[j]); den += (double) a[j] * a[j]; }
                worst = Math.max(worst, Math.sqrt(num / den));
                for (int q = 0; q < batch; q++) {
                    int am = HelixDecoder.argmax(a, q, s.vocab());
                    same &= am == HelixDecoder.argmax(b, q, s.vocab());
                    tok[q] = am;
                }
            }
            String ffn = s.moe() ? ", " + s.experts() + "-expert FFN at TPF=" + 8 / ep + " EP=" + ep : "";
            return new DemoResult("decode " + steps + " steps, KVP=4 TPA=2" + ffn + " HOP-B vs 1 rank", "cpu", worst <= 1e-5 && same,
                    String.format("worst logits rel err %.1e, argmax %s", worst, same ? "identical" : "DIFFERS"));
        }
    }

    private static HelixDecoder.Config config(ModelShape s, int kvp, int tpa, int ep, int batch, boolean hopB, long seed, int steps) {
        HelixMapping m = HelixMapping.of(kvp, tpa, s.qHeads(), s.kvHeads()).withAppendBlock(4).withFfnGrid(kvp * tpa / ep, ep);
        return new HelixDecoder.Config(s, m, KvDtype.FP32, 8, batch, hopB ? batch : 1, hopB, 0, seed, steps + 1);
    }
}
