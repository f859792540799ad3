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
 * <pre>
 *   DeviceCheck [--backend cuda|opencl] [--json FILE] [test classes...]
 * </pre>
 * Without classes it runs the backend's suites: every workload on CUDA (basics and launch error paths,
 * bandwidth ceilings, TCONV, attention, merge, Helix), or their OpenCL twins as a rehearsal on PoCL.
 */
public final class DeviceCheck {
    static final List<String> CUDA_CLASSES = List.of(
            "dev.kiln.device.cuda.CudaBackendTest",
            "dev.kiln.basics.BandwidthKernelsTest",
            "dev.kiln.tconv.CudaTConvTest",
            "dev.kiln.tconv.TiledMm2imTest",
            "dev.kiln.attention.CudaAttentionTest",
            "dev.kiln.collective.nccl.NcclGpuTest",
            "dev.kiln.basics.BasicKernelsCpuTest",
            "dev.kiln.cli.DevicesCommandTest");
    static final List<String> OPENCL_CLASSES = List.of(
            "dev.kiln.device.opencl.OpenClKernelsTest",
            "dev.kiln.basics.BandwidthKernelsTest",
            "dev.kiln.attention.OpenClAttentionTest",
            "dev.kiln.cli.DevicesCommandTest");

    private DeviceCheck() {}

    public static void main(String[] args) throws java.io.IOException {
        String backend = "cuda";
        java.nio.file.Path json = null;
        List<String> named = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--backend" -> backend = args[++i];
                case "--json" -> json = java.nio.file.Path.of(args[++i]);
                default -> named.add(args[i]);
            }
        }
        if (!backend.equals("cuda") && !backend.equals("opencl")) {
            System.err.println("DeviceCheck: --backend must be cuda or opencl, was '" + backend + "'");
            System.exit(2);
        }
        List<String> classes = !named.isEmpty() ? named : backend.equals("cuda") ? CUDA_CLASSES : OPENCL_CLASSES;
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
        if (json != null) java.nio.file.Files.writeString(json, toJson(backend, rows));
        System.exit(failed == 0 ? 0 : 1);
    }

    /** {"backend": ..., "passed": n, "failed": n, "skipped": n, "tests": [{"test", "result", "detail"}]}. */
    static String toJson(String backend, List<String[]> rows) {
        java.util.Map<String, Object> out = new java.util.LinkedHashMap<>();
        out.put("backend", backend);
        out.put("passed", rows.stream().filter(r -> r[1].equals("PASS")).count());
        out.put("failed", rows.stream().filter(r -> r[1].equals("FAIL")).count());
        out.put("skipped", rows.stream().filter(r -> r[1].equals("SKIP")).count());
        out.put("tests", rows.stream().map(r -> java.util.Map.of("test", r[0], "result", r[1], "detail", r[2])).toList());
        return Json.write(out) + "\n";
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
