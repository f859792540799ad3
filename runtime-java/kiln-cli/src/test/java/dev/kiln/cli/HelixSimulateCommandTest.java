package dev.kiln.cli;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HelixSimulateCommandTest {
    @Test
    void json_report_has_headline_ratios_and_frontiers_and_plot_is_a_png(@TempDir Path dir) throws Exception {
        Path png = dir.resolve("f.png");
        PrintStream old = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        int rc;
        try {
            System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
            rc = KilnCli.commandLine().execute("helix", "simulate", "--model", "llama-70b", "--hardware", "h200",
                    "--context", "131072", "--max-gpus", "16", "--max-batch", "256", "--json", "--plot", png.toString());
        } finally {
            System.setOut(old);
        }
        assertEquals(0, rc);
        JsonNode root = Json.MAPPER.readTree(buf.toString(StandardCharsets.UTF_8));
        assertTrue(root.get("headline").get("maxInteractivity").get("value").asDouble() >= 1,
                "Helix's layouts include TP ≤ K, so it is never slower at its fastest point");
        JsonNode frontier = root.get("helixFrontier");
        assertTrue(frontier.size() > 0);
        for (int i = 1; i < frontier.size(); i++) {
            assertTrue(frontier.get(i).get("tokensPerSecondPerGpu").asDouble() > frontier.get(i - 1).get("tokensPerSecondPerGpu").asDouble());
            assertTrue(frontier.get(i).get("ttlSeconds").asDouble() >= frontier.get(i - 1).get("ttlSeconds").asDouble());
        }
        byte[] head = Files.readAllBytes(png);
        assertEquals((byte) 0x89, head[0]);
        assertEquals('P', head[1]);
    }

    @Test
    void a_bad_option_value_is_one_clear_line() {
        PrintStream old = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int rc;
        try {
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            var cli = KilnCli.commandLine();
            cli.setErr(new java.io.PrintWriter(System.err, true));
            rc = cli.execute("helix", "simulate", "--hop-b", "maybe");
        } finally {
            System.setErr(old);
        }
        assertEquals(2, rc);
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("--hop-b = 'maybe': allowed are on, off"), err.toString());
    }
}
