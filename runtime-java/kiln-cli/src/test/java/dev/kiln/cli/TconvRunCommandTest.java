package dev.kiln.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kiln.io.Npy;
import dev.kiln.io.NpyArray;
import dev.kiln.io.NpyDtype;
import dev.kiln.tconv.TConvData;
import dev.kiln.tconv.TConvSpec;
import dev.kiln.tconv.reference.TConvReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.foreign.Arena;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code kiln tconv run}: its JSON, checked against the fp64 reference, and what it tells the user. */
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

    @Test
    void json_describes_the_output_written_and_the_output_is_right() throws Exception {
        long seed = System.nanoTime();
        TConvSpec s = TConvSpec.parse("n=2,ih=5,iw=4,ic=8,oc=6,k=3,s=2,pad=same");
        TConvData.Fp32 data = TConvData.fp32(s, seed);
        try (Arena arena = Arena.ofConfined()) {
            write(arena, "x", data.input(), s.n(), s.ih(), s.iw(), s.ic());
            write(arena, "w", data.weights(), s.oc(), s.kh(), s.kw(), s.ic());
            write(arena, "b", data.bias(), s.oc());
            String out = CliOut.capture("tconv", "run", "--json", "--layer", s.toString(), "--input", p("x"), "--weights", p("w"),
                    "--bias", p("b"), "--output", p("y"));
            JsonNode j = Json.MAPPER.readTree(out);
            assertEquals(s.toString(), j.get("layer").asText());
            assertEquals("mm2im", j.get("impl").asText());
            assertEquals("fp32", j.get("dtype").asText());
            assertEquals(p("y"), j.get("output").asText());
            assertTrue(j.get("elapsedMillis").asDouble() > 0, out);
            long[] shape = {s.n(), s.oh(), s.ow(), s.oc()};
            for (int i = 0; i < shape.length; i++) assertEquals(shape[i], j.get("outputShape").get(i).asLong(), out);
            float[] y = Npy.read(dir.resolve("y.npy"), arena, NpyDtype.FLOAT32, shape).data().toArray(ValueLayout.JAVA_FLOAT);
            double[] want = TConvReference.fp64(s, data.input(), data.weights(), data.bias());
            double num = 0, den = 0;
            for (int i = 0; i < want.length; i++) { num += Math.pow(y[i] - want[i], 2); den += want[i] * want[i]; }
            assertTrue(Math.sqrt(num / den) <= 1e-5, "seed " + seed + ": rel err " + Math.sqrt(num / den));
        }
    }

    /** The ONNX 3-D node test through the CLI: attributes from model.onnx, tensors in ONNX layout, its expected output. */
    @Test
    void onnx_model_attributes_and_onnx_layout_reproduce_the_onnx_test() throws Exception {
        Path test = Path.of("/usr/share/libonnx-testdata/data/node/test_convtranspose_3d");
        assertTrue(java.nio.file.Files.isDirectory(test), test + " is missing: install Debian's libonnx-testdata (./kiln installs it)");
        try (Arena arena = Arena.ofConfined()) {
            var x = dev.kiln.tconv.onnx.OnnxFiles.readTensor(test.resolve("test_data_set_0/input_0.pb"));
            var w = dev.kiln.tconv.onnx.OnnxFiles.readTensor(test.resolve("test_data_set_0/input_1.pb"));
            var want = dev.kiln.tconv.onnx.OnnxFiles.readTensor(test.resolve("test_data_set_0/output_0.pb"));
            write(arena, "x", x.data(), x.dims());
            write(arena, "w", w.data(), w.dims());
            String out = CliOut.capture("tconv", "run", "--json", "--onnx", test.resolve("model.onnx").toString(), "--input", p("x"),
                    "--weights", p("w"), "--output", p("y"));
            JsonNode j = Json.MAPPER.readTree(out);
            assertEquals("onnx", j.get("layout").asText(), out);
            float[] y = Npy.read(dir.resolve("y.npy"), arena, NpyDtype.FLOAT32, want.dims()).data().toArray(ValueLayout.JAVA_FLOAT);
            for (int i = 0; i < y.length; i++) assertEquals(want.data()[i], y[i], 1e-5 * (1 + Math.abs(want.data()[i])), "element " + i);
        }
    }

    @Test
    void bad_convtranspose_attributes_get_one_line_naming_the_value() {
        String[][] cases = {
                {"i=4,ic=2,oc=2,k=3,d=0", "dh must be >= 1, was 0"},
                {"i=4,ic=6,oc=4,k=3,g=4", "group=4 must divide both ic=6 and oc=4"},
                {"i=4,ic=2,oc=2,k=3,s=2,pt=1,pb=1,pl=1,pr=1,oph=2", "oph=2 must be < sh=2 or < dh=1 (ONNX output_padding)"},
                {"i=-3,ic=2,oc=2,k=3", "ih must be >= 1, was -3"},
        };
        for (String[] c : cases) {
            StringWriter err = new StringWriter();
            var cli = KilnCli.commandLine();
            cli.setErr(new PrintWriter(err));
            int rc = cli.execute("tconv", "run", "--layer", c[0], "--input", p("x"), "--weights", p("w"), "--output", p("y"));
            assertEquals(2, rc, c[0]);
            assertEquals(1, err.toString().strip().lines().count(), "one line: " + err);
            assertTrue(err.toString().contains(c[1]), c[0] + ": " + err);
        }
    }

    private void write(Arena arena, String name, float[] values, long... shape) throws Exception {
        Npy.write(dir.resolve(name + ".npy"), new NpyArray(NpyDtype.FLOAT32, shape, arena.allocateFrom(ValueLayout.JAVA_FLOAT, values)));
    }

    private String p(String name) { return dir.resolve(name + ".npy").toString(); }
}
