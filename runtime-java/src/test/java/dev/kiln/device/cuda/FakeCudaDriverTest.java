package dev.kiln.device.cuda;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The CUDA backend end to end without a GPU: a child JVM loads src/test/c/fake_libcuda.c as its
 * libcuda.so.1 and runs {@link FakeCudaDriverProbe}. What this proves is the Java side (symbol names,
 * descriptors, parameter arrays, JIT options and log, status names); what the GPU computes is proven
 * only by {@link CudaBackendTest} on a GPU machine.
 */
class FakeCudaDriverTest {
    @Test
    void the_cuda_backend_runs_end_to_end_against_a_stub_driver(@TempDir Path tmp) throws Exception {
        Assumptions.assumeTrue(onPath("cc"), "no C compiler to build the stub driver");
        Path stub = tmp.resolve("libcuda.so.1");
        Process cc = new ProcessBuilder("cc", "-shared", "-fPIC", "-O1", "-o", stub.toString(),
                Path.of("src/test/c/fake_libcuda.c").toAbsolutePath().toString(), "-lm").redirectErrorStream(true).start();
        String ccOut = new String(cc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(cc.waitFor(60, TimeUnit.SECONDS) && cc.exitValue() == 0, "stub driver did not compile:\n" + ccOut);

        long seed = System.nanoTime();
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
                "-cp", childClassPath(), FakeCudaDriverProbe.class.getName(), Long.toString(seed)));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("LD_LIBRARY_PATH", tmp.toString());
        Process child = pb.start();
        String out = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(child.waitFor(120, TimeUnit.SECONDS), "probe did not finish");
        assertEquals(0, child.exitValue(), "seed " + seed + ", probe output:\n" + out);
        assertTrue(out.contains("ALL CHECKS PASSED"), out);
        System.out.print(out.lines().filter(l -> l.startsWith("ok ")).map(l -> "  fake libcuda: " + l + "\n").reduce("", String::concat));
    }

    /** The test JVM's classes and jars, whether surefire put them on the module path or the class path. */
    private static String childClassPath() {
        List<String> parts = new ArrayList<>(List.of(Path.of("target/classes").toAbsolutePath().toString(),
                Path.of("target/test-classes").toAbsolutePath().toString()));
        for (String prop : new String[]{"jdk.module.path", "java.class.path"}) {
            String v = System.getProperty(prop);
            if (v != null) Stream.of(v.split(File.pathSeparator)).filter(s -> !s.isBlank() && !parts.contains(s)).forEach(parts::add);
        }
        return String.join(File.pathSeparator, parts);
    }

    private static boolean onPath(String exe) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (Files.isExecutable(Path.of(dir, exe))) return true;
        }
        return false;
    }
}
