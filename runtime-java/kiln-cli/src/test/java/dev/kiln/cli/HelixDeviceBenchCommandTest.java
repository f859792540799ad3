package dev.kiln.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kiln.device.Devices;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code kiln helix device-bench} on PoCL: JSON with both kernels and both ceilings per context, ratios that
 * are the quotients of the rates they name; a backend without device kernels is refused in one line.
 */
class HelixDeviceBenchCommandTest {
    @Test
    void json_has_both_kernels_both_ceilings_and_consistent_ratios() throws Exception {
        Assumptions.assumeTrue(Devices.availableNames().contains("opencl"), "no OpenCL device here");
        PrintStream old = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        int rc;
        try {
            System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
            rc = KilnCli.commandLine().execute("helix", "device-bench", "--backend", "opencl", "--context", "300,1000",
                    "--block", "16", "--reps", "1", "--json");
        } finally {
            System.setOut(old);
        }
        assertEquals(0, rc);
        JsonNode out = Json.MAPPER.readTree(buf.toString(StandardCharsets.UTF_8));
        assertEquals("opencl", out.get("backend").asText());
        assertEquals(2, out.get("results").size());
        for (JsonNode r : out.get("results")) {
            for (String f : new String[]{"splitKvBytesPerSecond", "flashBytesPerSecond", "readBytesPerSecond", "copyBytesPerSecond"}) {
                assertTrue(r.get(f).asDouble() > 0, f + " must be a positive rate: " + r);
            }
            double ratio = r.get("flashBytesPerSecond").asDouble() / r.get("copyBytesPerSecond").asDouble();
            assertEquals(ratio, r.get("flashToCopy").asDouble(), 1e-9 * ratio);
            assertEquals(r.get("context").asInt() * 8L * (128 + 128) * 4, r.get("kvBytes").asLong(), "GQA fp32 KV bytes");
        }
    }

    @Test
    void the_cpu_backend_is_refused_in_one_line() {
        StringWriter err = new StringWriter();
        var cli = KilnCli.commandLine();
        cli.setErr(new PrintWriter(err));
        int rc = cli.execute("helix", "device-bench", "--backend", "cpu");
        assertEquals(2, rc);
        assertTrue(err.toString().contains("--backend must be opencl or cuda, was 'cpu'"), err.toString());
    }
}
