package dev.kiln.collective.nccl;

import dev.kiln.device.testing.ChildJvm;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link NcclCommunicator} without a GPU: each rank is a child JVM whose libnccl.so.2 and libcuda.so.1 are
 * kiln-core's stand-ins (src/test/c/fake_libnccl.c, fake_libcuda.c), and {@link NcclRank} checks every
 * operation, through host segments and device buffers, against a plain Java reference (fp64 sums, byte copies).
 *
 * <p>What this proves: the Java side. Rank 0's ncclUniqueId reaches the others over the control channel intact
 * (the stand-in's ranks meet in a shared-memory segment named after it); every descriptor and argument order
 * (a swapped count, type, root or peer gives wrong data or a rejected call); all-to-all as one group of
 * ncclSend/ncclRecv per peer (the stand-in fails a send whose receive is not in the same group); that results are
 * read only after the communicator's own stream is synchronised (the stand-in defers the work until then, so a
 * read on another stream sees old memory); that an ncclResult_t, synchronous or asynchronous, becomes one line
 * with NCCL's string, the operation and the rank. What it does not prove: anything a GPU does (kernels, NVLink,
 * NCCL's reduction order, its speed); NcclGpuTest checks the sum against the CPU on a GPU (GPU run pending).
 */
class NcclCommunicatorStandInTest {
    private static final Path CORE_TEST_C = Path.of("../kiln-core/src/test/c").toAbsolutePath().normalize();
    @TempDir
    static Path libs;

    @BeforeAll
    static void buildStandIns() throws Exception {
        Assumptions.assumeTrue(onPath("cc"), "no C compiler to build the stand-in libnccl and libcuda");
        compile("fake_libnccl.c", "libnccl.so.2");
        compile("fake_libcuda.c", "libcuda.so.1", "-lm");
    }

    @Test
    void every_collective_matches_the_java_reference_across_three_ranks() throws Exception {
        List<String> outputs = NcclRanks.run(3, "ops", Map.of("LD_LIBRARY_PATH", libs.toString()));
        assertTrue(outputs.getFirst().contains("ok rank 0: device allToAll"), outputs.getFirst());
    }

    @Test
    void a_failed_nccl_call_is_one_line_with_the_rank_the_operation_and_ncclGetErrorString() throws Exception {
        NcclRanks.run(2, "errors", Map.of("LD_LIBRARY_PATH", libs.toString(), "KILN_FAKE_NCCL_FAIL", "ncclAllGather", "KILN_FAKE_NCCL_TIMEOUT_S", "20"));
    }

    @Test
    void the_allreduce_bench_runs_its_nccl_workers_over_the_stand_ins_exactly() throws Exception {
        ChildJvm.Result r = ChildJvm.run(Map.of("LD_LIBRARY_PATH", libs.toString()), NcclBenchProbe.class.getName());
        assertTrue(r.exitCode() == 0 && r.output().contains("nccl available: NCCL 2.23.4 over 1 CUDA device"), r.output());
        assertTrue(r.output().contains("BENCH steps 3 delivered 1.0 maxRelativeError 0.0"), r.output());
    }

    private static void compile(String source, String library, String... flags) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("cc", "-shared", "-fPIC", "-O1", "-o", libs.resolve(library).toString(),
                CORE_TEST_C.resolve(source).toString()));
        cmd.addAll(List.of(flags));
        Process cc = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(cc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(cc.waitFor(60, TimeUnit.SECONDS) && cc.exitValue() == 0, source + " did not compile:\n" + out);
    }

    private static boolean onPath(String exe) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (Files.isExecutable(Path.of(dir, exe))) return true;
        }
        return false;
    }
}
