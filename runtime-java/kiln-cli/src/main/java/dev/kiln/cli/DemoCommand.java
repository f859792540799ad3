package dev.kiln.cli;

import dev.kiln.device.Devices;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code kiln demo}: the device table, then every workload's verification on every available backend. */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Show the devices, then verify every kernel on every available backend and print a table.")
final class DemoCommand implements Callable<Integer> {
    /** The demo, in order. Each workload adds its section here. */
    static final List<DemoSection> SECTIONS = List.of(
            new KernelsDemo(),
            new TconvDemo(),
            new HelixDemo(),
            new LossyAllreduceDemo(),
            new TrainDemo());

    @Option(names = "--backend", split = ",", description = "Backends to run (default: every available one).")
    List<String> backends;

    @Override
    public Integer call() throws Exception {
        new DevicesCommand().run();
        List<String> chosen = backends == null ? Devices.availableNames() : backends;
        boolean allPassed = true;
        for (DemoSection section : SECTIONS) {
            System.out.println();
            System.out.println("== " + section.title() + " ==");
            List<DemoSection.DemoResult> results;
            try {
                results = section.run(chosen);
            } catch (Exception | Error e) {
                results = new ArrayList<>(List.of(new DemoSection.DemoResult(section.title(), "-", false, "failed: " + e)));
            }
            Table t = new Table("check", "backend", "result", "detail");
            for (DemoSection.DemoResult r : results) {
                t.row(r.check(), r.backend(), r.passed() ? "PASS" : "FAIL", r.detail());
                allPassed &= r.passed();
            }
            System.out.print(t);
        }
        System.out.println();
        System.out.println(allPassed ? "demo: every check passed" : "demo: some checks FAILED");
        return allPassed ? 0 : 1;
    }
}
