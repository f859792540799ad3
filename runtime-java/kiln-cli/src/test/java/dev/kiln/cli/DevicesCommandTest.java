package dev.kiln.cli;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DevicesCommandTest {
    @Test
    void devices_json_is_valid_json_with_backend_name_available_and_reason() throws Exception {
        String out = capture("devices", "--json");
        JsonNode rows = Json.MAPPER.readTree(out);
        assertTrue(rows.isArray() && !rows.isEmpty(), out);
        Set<String> backends = new HashSet<>();
        for (JsonNode r : rows) {
            assertTrue(r.has("backend") && r.has("name") && r.has("available"), r.toString());
            backends.add(r.get("backend").asText());
            if (!r.get("available").asBoolean()) {
                assertTrue(r.hasNonNull("reason") && !r.get("reason").asText().isBlank(), "an unavailable entry says why: " + r);
            }
            if (r.get("backend").asText().equals("opencl") && r.get("available").asBoolean()) {
                JsonNode p = r.get("properties");
                for (String key : new String[]{"driverVersion", "openclVersion", "maxWorkGroupSize", "localMemBytes"}) {
                    assertTrue(p.hasNonNull(key), "opencl rows carry " + key + ": " + r);
                }
                assertTrue(r.get("computeUnits").asInt() > 0, r.toString());
            }
        }
        assertTrue(backends.containsAll(Set.of("cpu", "opencl", "cuda")), "every backend appears, available or not: " + backends);
    }

    @Test
    void devices_names_the_true_reason_nccl_is_unavailable_or_that_it_is_available() throws Exception {
        dev.kiln.device.Availability nccl = dev.kiln.collective.nccl.NcclTransport.availability();
        String out = capture("devices");
        JsonNode rows = Json.MAPPER.readTree(capture("devices", "--json"));
        JsonNode row = null;
        for (JsonNode r : rows) if (r.get("backend").asText().equals("nccl")) row = r;
        assertTrue(row != null, "a nccl row: " + rows);
        assertEquals(nccl.available(), row.get("available").asBoolean(), row.toString());
        if (nccl.available()) { // a GPU machine with libnccl: the row says so, and that the GPU run is what checks it
            assertTrue(row.get("details").asText().contains("GPU run pending"), row.toString());
            assertTrue(out.lines().anyMatch(l -> l.startsWith("nccl") && l.contains("available") && !l.contains("unavailable")), out);
            return;
        }
        String cause = nccl.reason();
        assertTrue(cause != null && !cause.isBlank() && !cause.endsWith("null"), "cause: " + cause);
        assertTrue(out.lines().anyMatch(l -> l.startsWith("nccl") && l.contains("unavailable: " + cause.substring(0, Math.min(40, cause.length())))), out);
        assertEquals(cause, row.get("reason").asText(), row.toString());
    }

    @Test
    void devices_table_shows_opencl_properties_or_why_opencl_is_off() throws Exception {
        String out = capture("devices");
        boolean available = dev.kiln.device.Devices.find("opencl").orElseThrow().availability().available();
        assertTrue(out.lines().anyMatch(l -> l.startsWith("opencl") && (available
                ? l.contains("OpenCL") && l.contains("driver ") && l.contains("wg ") && l.contains("local ")
                : l.contains("unavailable: "))), out);
    }

    private static String capture(String... args) {
        PrintStream old = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        try (PrintStream ps = new PrintStream(buf, true, StandardCharsets.UTF_8)) {
            System.setOut(ps);
            int rc = KilnCli.commandLine().execute(args);
            assertEquals(0, rc);
        } finally {
            System.setOut(old);
        }
        return buf.toString(StandardCharsets.UTF_8);
    }
}
