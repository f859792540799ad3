package dev.kiln.bind.nccl;

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
 * The NCCL binding without a GPU: a child JVM loads src/test/c/fake_libnccl.c as its libnccl.so.2 and runs
 * {@link FakeNcclProbe}. This proves the descriptors (the 128-byte ncclUniqueId passed by value, size_t counts,
 * status names, one-line errors); the collectives across ranks are checked by NcclCommunicatorStandInTest in
 * kiln-collective, and that NCCL's allreduce on a GPU equals the CPU sum needs a GPU run (NcclGpuTest).
 */
class FakeNcclTest {
    @Test
    void the_nccl_binding_calls_a_stand_in_libnccl_through_every_descriptor(@TempDir Path tmp) throws Exception {
        Assumptions.assumeTrue(onPath("cc"), "no C compiler to build the stand-in libnccl");
        Path stub = tmp.resolve("libnccl.so.2");
        Process cc = new ProcessBuilder("cc", "-shared", "-fPIC", "-O1", "-o", stub.toString(),
                Path.of("src/test/c/fake_libnccl.c").toAbsolutePath().toString()).redirectErrorStream(true).start();
        String ccOut = new String(cc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(cc.waitFor(60, TimeUnit.SECONDS) && cc.exitValue() == 0, "stand-in libnccl did not compile:\n" + ccOut);

        long seed = System.nanoTime();
        ChildJvm.Result r = ChildJvm.run(Map.of("LD_LIBRARY_PATH", tmp.toString()), FakeNcclProbe.class.getName(), Long.toString(seed));
        assertEquals(0, r.exitCode(), "seed " + seed + ", probe output:\n" + r.output());
        assertTrue(r.output().contains("ALL CHECKS PASSED"), r.output());
        System.out.print(r.output().lines().filter(l -> l.startsWith("ok ")).map(l -> "  fake libnccl: " + l + "\n").reduce("", String::concat));
    }

    @Test
    void without_libnccl_the_binding_says_why() throws Exception {
        ChildJvm.Result r = ChildJvm.run(Map.of("LD_LIBRARY_PATH", "/nonexistent"), WhyUnavailable.class.getName());
        assertEquals(0, r.exitCode(), r.output());
        // this machine may have a real libnccl in a system path: then it must be available, else the cause is named
        assertTrue(r.output().lines().anyMatch(l -> l.equals("available") || l.startsWith("libnccl.so.2 not found (NCCL needs")), r.output());
    }

    /** Prints {@code available} or the cause. */
    public static final class WhyUnavailable {
        public static void main(String[] args) {
            System.out.println(Nccl.isAvailable() ? "available" : Nccl.unavailabilityCause());
        }
    }

    private static boolean onPath(String exe) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (Files.isExecutable(Path.of(dir, exe))) return true;
        }
        return false;
    }
}
