package dev.kiln.cli;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The per-rank commands are public and refuse what cannot run with one line and status 2. (Runs of the workers
 * under launcher variables are in SimulatedHostsTest and TrainAcrossHostsTest, in their own processes.)
 */
class WorkerCommandsTest {
    @Test
    void workersAreListedInTheHelp() {
        assertTrue(run("allreduce", "--help").out().contains("worker"), "allreduce --help lists worker");
        assertTrue(run("train", "--help").out().contains("worker"), "train --help lists worker");
        String help = run("allreduce", "worker", "--help").out();
        assertTrue(help.contains("mpirun -np 4 -x MASTER_ADDR=host1") && help.contains("srun -N 2") && help.contains("RANK=0 WORLD_SIZE=2"), help);
    }

    @Test
    void aBadSizeIsOneLineNamingIt() {
        Result r = run("allreduce", "worker", "--transport", "udp", "--size", "1MB");
        assertEquals(2, r.code(), r.err());
        assertEquals("kiln: size must look like 64MiB, 512KiB or 4096, was '1MB'", r.err().strip());
    }

    @Test
    void theBenchsSizeSyntaxIsAcceptedAndAMissingLauncherIsNamed() {
        // 1MiB parses; the worker then stops because this test JVM has no launcher variables (when it has none)
        if (System.getenv("RANK") != null || System.getenv("OMPI_COMM_WORLD_RANK") != null || System.getenv("SLURM_PROCID") != null) return;
        Result r = run("allreduce", "worker", "--transport", "udp", "--size", "1MiB");
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().startsWith("kiln: allreduce worker is one rank of a job of 2 or more, but no launcher set a world size"), r.err());
        assertFalse(r.err().contains("is not a long"), r.err());
    }

    @Test
    void lossWithoutANamespaceIsRefused() {
        Result a = run("allreduce", "worker", "--transport", "udp", "--size", "1MiB", "--loss", "0.1");
        assertEquals(2, a.code(), a.err());
        assertTrue(a.err().startsWith("kiln: --loss 0.1 needs --netns true: the drops come from the nft rules"), a.err());
        Result r = run("train", "worker", "--preset", "tiny", "--netns", "false", "--loss", "0.1");
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().startsWith("kiln: --loss 0.1 needs --netns true: the drops come from the nft rules"), r.err());
    }

    private record Result(int code, String out, String err) {}

    private static Result run(String... args) {
        PrintStream oldOut = System.out, oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8); PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            System.setOut(o);
            System.setErr(e);
            int code = KilnCli.commandLine().execute(args);
            return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }
}
