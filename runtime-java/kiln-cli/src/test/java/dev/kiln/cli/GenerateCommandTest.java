package dev.kiln.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

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
}
