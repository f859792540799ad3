package dev.kiln.cli;

import dev.kiln.attention.helix.HelixVerification;
import dev.kiln.device.Device;
import dev.kiln.device.Devices;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code kiln helix verify}: the exactness matrix against fp64, pass/fail per case. */
@Command(name = "verify", mixinStandardHelpOptions = true,
        description = "Helix attention on emulated ranks vs fp64 single-device attention: KVP x TPA x S x GQA/MQA/MLA, bf16 errors, merge order/associativity.")
final class HelixVerifyCommand implements Callable<Integer> {
    @Option(names = "--backend", defaultValue = "cpu", description = "Backend (default: ${DEFAULT-VALUE}).")
    String backend;

    @Option(names = "--json", description = "Print JSON.")
    boolean json;

    @Option(names = "--seed", description = "Random seed (default: time).")
    Long seed;

    @Override
    public Integer call() {
        long s = seed != null ? seed : System.nanoTime();
        List<HelixVerification.Case> cases;
        try (Device device = Devices.open(backend)) {
            cases = HelixVerification.run(device, HelixVerification.Options.full(s));
        }
        long failed = cases.stream().filter(c -> !c.passed()).count();
        if (json) {
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("backend", backend);
            out.put("seed", s);
            out.put("fp32RelTolerance", HelixVerification.FP32_REL_TOL);
            out.put("bf16Atol", HelixVerification.BF16_ATOL);
            out.put("bf16Rtol", HelixVerification.BF16_RTOL);
            out.put("cases", cases);
            out.put("failed", failed);
            System.out.println(Json.write(out));
        } else {
            Table t = new Table("shape", "KVP", "TPA", "S", "kv", "empty ranks", "rel err", "max abs err", "mismatch", "result", "note");
            for (HelixVerification.Case c : cases) {
                t.row(c.shape(), c.kvp(), c.tpa(), c.seq(), c.dtype(), c.zeroTokenRanks(), String.format("%.2e", c.relError()),
                        String.format("%.2e", c.maxAbsError()), String.format("%.4f", c.mismatchRatio()), c.passed() ? "PASS" : "FAIL", c.note());
            }
            System.out.print(t);
            System.out.printf("%d cases on %s, %d failed (fp32 bound: rel err <= %.0e of the output norm; seed %d)%n",
                    cases.size(), backend, failed, HelixVerification.FP32_REL_TOL, s);
        }
        return failed == 0 ? 0 : 1;
    }
}
