package dev.kiln.cli;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code kiln helix decode --json}: JSON alone on stdout, progress as whole lines on stderr. */
class HelixDecodeCommandTest {
    @Test
    void json_on_stdout_progress_on_stderr() throws Exception {
        PrintStream oldErr = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        String out;
        try (PrintStream ps = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            System.setErr(ps);
            out = CliOut.capture("helix", "decode", "--json", "--model", "test-gqa", "--layers", "1", "--batch", "1", "--context", "64", "--tokens", "3", "--hop-b", "on");
        } finally {
            System.setErr(oldErr);
        }
        JsonNode j = Json.MAPPER.readTree(out);
        assertEquals(3, j.get("runs").get(0).get("steps").asInt(), out);
        String progress = err.toString(StandardCharsets.UTF_8);
        assertTrue(progress.contains("prefilling 64 tokens") && progress.contains("[3/3]"), progress);
        assertTrue(progress.endsWith("\n"), "whole lines: " + progress);
    }
}
