package dev.kiln.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kiln.cli.Json;
import dev.kiln.cli.KilnCli;
import dev.kiln.device.testing.ChildJvm;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** With the ICD loader present but no vendor registered (OCL_ICD_VENDORS = an empty folder), opencl says "no OpenCL platform". */
class OpenClUnavailableTest {
    @Test
    void no_platform_is_reported_as_the_reason(@TempDir Path emptyVendors) throws Exception {
        ChildJvm.Result r = ChildJvm.run(Map.of("OCL_ICD_VENDORS", emptyVendors.toString()), KilnCli.class.getName(), "devices", "--json");
        assertEquals(0, r.exitCode(), r.output());
        String json = r.output().substring(r.output().indexOf('['));
        JsonNode opencl = null;
        for (JsonNode row : Json.MAPPER.readTree(json)) if (row.get("backend").asText().equals("opencl")) opencl = row;
        assertTrue(opencl != null && !opencl.get("available").asBoolean(), json);
        assertTrue(opencl.get("reason").asText().startsWith("no OpenCL platform"), opencl.toString());
    }
}
