package dev.kiln.helixsim;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CatalogAndCalibrationTest {
    @Test
    void deepseek_r1_is_mla_with_256_routed_experts_8_active_1_shared_and_3_dense_layers() {
        ModelSpec r1 = Catalog.model("deepseek-r1");
        assertEquals(AttentionKind.MLA, r1.attention().kind());
        assertEquals(61, r1.layers());
        assertEquals(3, r1.denseLayerCount());
        assertEquals(58, r1.moeLayerCount());
        assertEquals(256, r1.moe().routedExperts());
        assertEquals(8, r1.moe().activeExperts());
        assertEquals(1, r1.moe().sharedExperts());
        assertEquals(576, r1.attention().kvElementsPerToken(8), 0, "the latent is shared: TPA does not shrink it");
    }

    @Test
    void a_file_can_override_some_fields_of_a_bundled_entry(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("hw.json");
        Files.writeString(f, "{\"base\": \"gb200\", \"name\": \"slow NVLink\", \"nvlink\": {\"alphaSeconds\": 2.5e-5}}");
        HardwareSpec hw = Catalog.hardware(f.toString());
        assertEquals("slow NVLink", hw.name());
        assertEquals(2.5e-5, hw.nvlink().alphaSeconds());
        assertEquals(900e9, hw.nvlink().bytesPerSecond(), "fields not overridden keep the base value");
        assertEquals(8e12, hw.hbmBytesPerSecond());

        Path bad = dir.resolve("bad.json");
        Files.writeString(bad, "{\"base\": \"llama-405b\", \"layers\": -3}");
        var e = assertThrows(IllegalArgumentException.class, () -> Catalog.model(bad.toString()));
        assertTrue(e.getMessage().contains("model.layers = -3"), e.getMessage());
    }

    @Test
    void calibration_uses_attention_over_read_ceiling_at_the_longest_context() throws URISyntaxException {
        Path fixture = Path.of(getClass().getResource("helix-bench-fixture.json").toURI());
        Calibration c = Calibration.read(fixture);
        // Longest context (1048576) entries: 2.90e12 / 3.20e12 and 2.70e12 / 3.00e12 → median of 0.90625 and 0.9.
        assertEquals((2.90 / 3.20 + 2.70 / 3.00) / 2, c.hbmEfficiency(), 1e-12);
        assertEquals((2.60 / 3.20 + 2.40 / 3.00) / 2, c.copyFraction(), 1e-12);
        assertEquals(1048576, c.contextTokens());
        assertEquals(2, c.entries());
        HardwareSpec h100 = Catalog.hardware("h100").withHbmEfficiency(c.hbmEfficiency());
        assertEquals(3.35e12 * c.hbmEfficiency(), h100.effectiveHbmBytesPerSecond(), 1);
    }

    @Test
    void calibration_rejects_a_file_without_results(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("empty.json");
        Files.writeString(f, "{\"device\": \"H100\"}");
        var e = assertThrows(IllegalArgumentException.class, () -> Calibration.read(f));
        assertTrue(e.getMessage().contains("'results'"), e.getMessage());
        Path noCeiling = dir.resolve("no-ceiling.json");
        Files.writeString(noCeiling, "{\"results\": [{\"context\": 4096, \"attentionBytesPerSecond\": 1e12, \"readCeilingBytesPerSecond\": null}]}");
        e = assertThrows(IllegalArgumentException.class, () -> Calibration.read(noCeiling));
        assertTrue(e.getMessage().contains("no entry"), e.getMessage());
    }
}
