package dev.kiln.device.cuda;

import dev.kiln.device.testing.ChildJvm;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

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

        long seed = Long.getLong("kiln.test.seed", System.nanoTime()); // -Dkiln.test.seed=N pins it
        ChildJvm.Result r = ChildJvm.run(Map.of("LD_LIBRARY_PATH", tmp.toString()), FakeCudaDriverProbe.class.getName(), Long.toString(seed));
        assertEquals(0, r.exitCode(), "seed " + seed + ", probe output:\n" + r.output());
        assertTrue(r.output().contains("ALL CHECKS PASSED"), r.output());
        System.out.print(r.output().lines().filter(l -> l.startsWith("ok ")).map(l -> "  fake libcuda: " + l + "\n").reduce("", String::concat));
    }

    private static boolean onPath(String exe) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (Files.isExecutable(Path.of(dir, exe))) return true;
        }
        return false;
    }
}
