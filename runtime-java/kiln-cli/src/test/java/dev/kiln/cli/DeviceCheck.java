package dev.kiln.cli;

import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.discovery.DiscoverySelectors;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Runs the device tests without Maven, on a GPU machine with only the bundle's Java runtime
 * ({@code scripts/device-check}), and prints one table row per test: PASS, FAIL with the message, or
 * SKIP with the reason (a missing GPU says so). Exit status 1 if any test failed.
 */
public final class DeviceCheck {
    static final List<String> DEFAULT_CLASSES = List.of(
            "dev.kiln.device.cuda.CudaBackendTest",
            "dev.kiln.basics.BasicKernelsCpuTest",
            "dev.kiln.cli.DevicesCommandTest");

    private DeviceCheck() {}

    public static void main(String[] args) {
        List<String> classes = args.length > 0 ? Arrays.asList(args) : DEFAULT_CLASSES;
        LauncherDiscoveryRequest request = LauncherDiscoveryRequestBuilder.request()
                .selectors(classes.stream().map(DiscoverySelectors::selectClass).toList())
                .configurationParameter("junit.jupiter.displayname.generator.default",
                        "org.junit.jupiter.api.DisplayNameGenerator$ReplaceUnderscores")
                .build();
        List<String[]> rows = new ArrayList<>();
        Launcher launcher = LauncherFactory.create();
        launcher.execute(request, new TestExecutionListener() {
            @Override
            public void executionSkipped(TestIdentifier id, String reason) {
                if (id.isTest() || id.isContainer() && id.getSource().isPresent()) rows.add(row(id, "SKIP", reason));
            }

            @Override
            public void executionFinished(TestIdentifier id, TestExecutionResult result) {
                if (!id.isTest()) {
                    if (result.getStatus() != TestExecutionResult.Status.SUCCESSFUL) rows.add(row(id, "FAIL", message(result)));
                    return;
                }
                switch (result.getStatus()) {
                    case SUCCESSFUL -> rows.add(row(id, "PASS", ""));
                    case ABORTED -> rows.add(row(id, "SKIP", message(result)));
                    case FAILED -> rows.add(row(id, "FAIL", message(result)));
                }
            }
        });
        Table t = new Table("test", "result", "detail");
        for (String[] r : rows) t.row((Object[]) r);
        System.out.print(t);
        long failed = rows.stream().filter(r -> r[1].equals("FAIL")).count();
        long passed = rows.stream().filter(r -> r[1].equals("PASS")).count();
        long skipped = rows.stream().filter(r -> r[1].equals("SKIP")).count();
        System.out.printf("device-check: %d passed, %d failed, %d skipped%n", passed, failed, skipped);
        System.exit(failed == 0 ? 0 : 1);
    }

    private static String[] row(TestIdentifier id, String status, String detail) {
        String name = id.getLegacyReportingName();
        String cls = id.getSource().map(Object::toString).map(s -> s.replaceAll(".*className = '([^']*)'.*", "$1"))
                .map(s -> s.substring(s.lastIndexOf('.') + 1)).orElse("");
        return new String[]{cls + " " + name, status, detail == null ? "" : detail.lines().findFirst().orElse("")};
    }

    private static String message(TestExecutionResult result) {
        return result.getThrowable().map(t -> t.getClass().getSimpleName() + ": " + t.getMessage()).orElse("");
    }
}
