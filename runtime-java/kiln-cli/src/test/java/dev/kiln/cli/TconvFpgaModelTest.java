package dev.kiln.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kiln.device.fpga.Mm2imCycleModel;
import dev.kiln.device.fpga.Mm2imDriver;
import dev.kiln.device.fpga.Mm2imLayer;
import dev.kiln.tconv.TConvSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code kiln tconv fpga-model}: the CLI reports what the cycle model predicts, for every layer of the suite. */
class TconvFpgaModelTest {
    @TempDir
    Path dir;

    @Test
    void json_rows_are_the_cycle_model_predictions_and_every_paper_layer_fits() throws Exception {
        Path png = dir.resolve("model.png");
        JsonNode out = Json.MAPPER.readTree(capture("tconv", "fpga-model", "--suite", "paper", "--json", "--plot", png.toString()));
        assertEquals(242, out.get("layers").size());
        assertEquals(242, out.get("summary").get("fit the accelerator").asInt());
        assertTrue(Files.size(png) > 10_000, "plot written");
        TConvSpec s = TConvSpec.same(2, 64, 5, 7, 7, 128);  // tf_dcgan2
        JsonNode row = null;
        for (JsonNode r : out.get("layers")) if (r.get("name").asText().equals("tf_dcgan2")) row = r;
        var p = Mm2imCycleModel.pynqZ1().predict(new Mm2imLayer(s.ih(), s.iw(), s.ic(), s.oc(), s.kh(), s.kw(), s.sh(), s.sw(),
                s.padTop(), s.padLeft(), s.oh(), s.ow(), 0, 0), 1, Mm2imDriver.Leftover.CPU);
        assertEquals(p.cycles(), row.get("cycles").asLong());
        assertEquals(p.invocations(), row.get("invocations").asLong());
        assertEquals(p.gops(), row.get("gops").asDouble(), 1e-9);
        assertTrue(row.get("speedup").asDouble() > 0);
    }

    private static String capture(String... args) {
        PrintStream old = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        try (PrintStream ps = new PrintStream(buf, true, StandardCharsets.UTF_8)) {
            System.setOut(ps);
            assertEquals(0, KilnCli.commandLine().execute(args));
        } finally {
            System.setOut(old);
        }
        return buf.toString(StandardCharsets.UTF_8);
    }
}
