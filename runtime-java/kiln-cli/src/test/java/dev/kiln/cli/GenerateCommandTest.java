package dev.kiln.cli;

import dev.kiln.collective.rendezvous.WorkerJvm;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code kiln generate} on malformed checkpoints and bad options: exit 2 and one line naming the fault. */
class GenerateCommandTest {
    private static String fails(String... args) {
        CommandLine cli = KilnCli.commandLine();
        StringWriter err = new StringWriter();
        cli.setErr(new PrintWriter(err, true));
        assertEquals(2, cli.execute(args), String.join(" ", args) + ": " + err);
        String msg = err.toString().strip();
        assertEquals(1, msg.lines().count(), "one line: " + msg);
        return msg;
    }

    @Test
    void malformed_checkpoints_and_options_give_one_line(@TempDir Path dir) throws Exception {
        Path gguf = Files.write(dir.resolve("cut.gguf"), new byte[]{'G', 'G', 'U', 'F', 3, 0, 0, 0, 1});
        assertTrue(fails("generate", "--model", gguf.toString()).contains("cut.gguf: truncated"));
        Path magic = Files.write(dir.resolve("x.safetensors"), "not a checkpoint at all".getBytes());
        assertTrue(fails("generate", "--model", magic.toString()).contains("x.safetensors: bad magic"));
        Path empty = Files.write(dir.resolve("e.safetensors"), "\u0002\u0000\u0000\u0000\u0000\u0000\u0000\u0000{}".getBytes());
        assertTrue(fails("generate", "--model", empty.toString()).contains("not a model Kiln runs"));
        assertTrue(fails("generate", "--model", empty.toString(), "--hop-b", "maybe").contains("--hop-b = 'maybe'"));
        assertTrue(fails("generate", "--model", empty.toString(), "--temperature", "-1").contains("temperature = -1.0"));
    }

    /** As one rank of a job of processes, the launcher's world size must be kvp × tpa: one line naming both. */
    @Test
    void a_world_size_other_than_kvp_times_tpa_is_one_line(@TempDir Path dir) throws Exception {
        Path model = Files.write(dir.resolve("m.safetensors"), new byte[16]);
        // A job of 3 processes (torchrun's variables) asked to run KVP 2 x TPA 2: rank 0 as its own JVM, so the variables are real.
        List<String> cmd = WorkerJvm.command(KilnCli.class, List.of("-Xmx128m", "-XX:+UseSerialGC"));
        cmd.addAll(List.of("generate", "--model", model.toString(), "--ranks", "processes", "--kvp", "2", "--tpa", "2"));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().keySet().removeIf(k -> k.startsWith("OMPI_") || k.startsWith("SLURM_") || k.startsWith("MASTER_") || k.equals("LOCAL_RANK"));
        pb.environment().putAll(Map.of("RANK", "0", "WORLD_SIZE", "3", "MASTER_ADDR", "127.0.0.1", "MASTER_PORT", "29500"));
        Process p = pb.start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "kiln generate did not exit");
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        List<String> err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8).lines()
                .filter(l -> !l.startsWith("WARNING: Using incubator modules")).toList();
        assertEquals(2, p.exitValue(), "exit status; stderr: " + err);
        assertEquals("", out, "nothing on stdout");
        assertEquals(List.of("kiln: WORLD_SIZE must be kvp × tpa = 2 × 2 = 4, was 3"), err);
        // No launcher variables at all (this JVM's, when it has none): a world of 1, and the line says what to set.
        if (System.getenv("RANK") == null && System.getenv("OMPI_COMM_WORLD_RANK") == null && System.getenv("SLURM_PROCID") == null) {
            String line = fails("generate", "--model", model.toString(), "--ranks", "processes", "--kvp", "2", "--tpa", "1");
            assertTrue(line.startsWith("kiln: WORLD_SIZE must be kvp × tpa = 2 × 1 = 2, was 1 (no launcher variables: set RANK, WORLD_SIZE"), line);
        }
        assertTrue(fails("generate", "--model", model.toString(), "--ranks", "hosts").contains("--ranks = 'hosts'; allowed: threads, processes"));
        assertTrue(fails("generate", "--model", model.toString(), "--ranks", "processes", "--transport", "udp")
                .contains("helix rank transport must be tcp or nccl, was 'udp'"));
    }

    @Test
    void help_tells_how_to_launch_one_rank_per_process() {
        String help = KilnCli.commandLine().getSubcommands().get("generate").getUsageMessage();
        for (String expected : new String[]{"--ranks", "processes", "mpirun -np 4 -x MASTER_ADDR=", "srun -n 4", "RANK=$r WORLD_SIZE=4",
                "must be kvp x tpa", "--transport"}) {
            assertTrue(help.contains(expected), "generate --help lacks " + expected + ":\n" + help);
        }
    }
}
