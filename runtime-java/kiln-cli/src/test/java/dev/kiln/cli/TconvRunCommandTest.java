package dev.kiln.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code kiln tconv run}: what it tells the user. */
class TconvRunCommandTest {
    @TempDir
    Path dir;

    @Test
    void fp32_on_the_fpga_names_this_commands_route_to_int8() {
        StringWriter err = new StringWriter();
        var cli = KilnCli.commandLine();
        cli.setErr(new PrintWriter(err));
        // Refused before any file is read or device opened, so the files need not exist.
        int rc = cli.execute("tconv", "run", "--layer", "ih=4,iw=4,ic=8,oc=8,k=3,s=2", "--backend", "fpga-sim",
                "--input", dir.resolve("x.npy").toString(), "--weights", dir.resolve("w.npy").toString(), "--output", dir.resolve("y.npy").toString());
        assertEquals(2, rc);
        String msg = err.toString();
        assertTrue(msg.contains("int8 only") && msg.contains("--quant"), msg);
        assertFalse(msg.contains("--dtype"), "tconv run has no --dtype: " + msg);
        assertEquals(1, msg.strip().lines().count(), "one line: " + msg);
    }
}
