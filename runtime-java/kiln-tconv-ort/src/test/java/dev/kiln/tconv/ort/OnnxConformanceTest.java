package dev.kiln.tconv.ort;

import dev.kiln.tconv.testing.TestDevices;
import dev.kiln.device.Device;
import dev.kiln.tconv.OnnxLayout;
import dev.kiln.tconv.TConvImpls;
import dev.kiln.tconv.TConvRunner;
import dev.kiln.tconv.TConvSpec;
import dev.kiln.tconv.onnx.OnnxFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The ONNX project's own ConvTranspose tests (Debian {@code libonnx-testdata}: 10 node tests, 2 PyTorch-converted,
 * 1 PyTorch operator test): each model's first ConvTranspose is read with its attributes, resolved into a
 * {@link TConvSpec}, run by mm2im on cpu and on opencl (PoCL) through the ONNX-layout boundary, and compared with
 * the expected output the test ships. All 13 must be present and pass.
 */
class OnnxConformanceTest {
    static final Path DATA = Path.of("/usr/share/libonnx-testdata/data");
    @RegisterExtension
    static final TestDevices DEVICES = new TestDevices();

    static List<Path> cases() throws IOException {
        assertTrue(Files.isDirectory(DATA), DATA + " is missing: install Debian's libonnx-testdata (./kiln installs it)");
        List<Path> out = new ArrayList<>();
        for (String set : List.of("node", "pytorch-converted", "pytorch-operator")) {
            try (Stream<Path> s = Files.list(DATA.resolve(set))) {
                s.filter(p -> p.getFileName().toString().toLowerCase().contains("convtranspose")).sorted().forEach(out::add);
            }
        }
        return out;
    }

    /** A case's tensors: X, W and optional B in Kiln's layouts, the spec, and the expected output (ONNX layout). */
    record Case(String name, TConvSpec spec, float[] x, float[] w, float[] b, OnnxFiles.FloatTensor expected) {}

    static Case load(Path dir) throws IOException {
        OnnxFiles.Node node = OnnxFiles.readConvTranspose(dir.resolve("model.onnx"));
        // input_k.pb holds the k-th graph input that is not an initializer
        List<String> fed = node.inputShapes().keySet().stream().filter(n -> !node.initializers().containsKey(n)).toList();
        Path set = dir.resolve("test_data_set_0");
        OnnxFiles.FloatTensor[] t = new OnnxFiles.FloatTensor[node.inputs().size()];
        for (int i = 0; i < t.length; i++) {
            String name = node.inputs().get(i);
            if (name.isEmpty()) continue;
            t[i] = node.initializers().containsKey(name) ? node.initializers().get(name)
                    : OnnxFiles.readTensor(set.resolve("input_" + fed.indexOf(name) + ".pb"));
        }
        TConvSpec s = node.attributes().spec(t[0].dims(), t[1].dims());
        float[] bias = t.length > 2 && t[2] != null ? t[2].data() : null;
        return new Case(dir.getFileName().toString(), s, OnnxLayout.inputToKiln(s, t[0].data()), OnnxLayout.weightsToKiln(s, t[1].data()),
                bias, OnnxFiles.readTensor(set.resolve("output_0.pb")));
    }

    @Test
    void all_13_onnx_convtranspose_tests_pass_on_cpu_and_opencl() throws IOException {
        List<Path> cases = cases();
        assertEquals(13, cases.size(), "libonnx-testdata's ConvTranspose tests: " + cases);
        List<String> failures = new ArrayList<>();
        int passed = 0;
        for (Path dir : cases) {
            Case c = load(dir);
            assertTrue(Arrays.equals(OnnxLayout.outputShape(c.spec()), c.expected().dims()),
                    c.name() + ": output shape " + Arrays.toString(OnnxLayout.outputShape(c.spec())) + " for " + c.spec().label()
                            + ", expected " + Arrays.toString(c.expected().dims()));
            for (Device d : DEVICES.all()) {
                float[] y = OnnxLayout.outputToOnnx(c.spec(), TConvRunner.fp32(TConvImpls.named("mm2im"), d, c.spec(), c.x(), c.w(), c.b()));
                String verdict = compare(c.expected().data(), y);
                if (verdict == null) passed++;
                else failures.add(c.name() + " on " + d.backendName() + " (" + c.spec().label() + "): " + verdict);
            }
        }
        System.out.println("ONNX ConvTranspose node tests: " + passed + "/" + cases.size() * DEVICES.all().size() + " (cases × " +
                DEVICES.all().stream().map(Device::backendName).toList() + ")");
        assertTrue(failures.isEmpty(), String.join("\n", failures));
        assertTrue(DEVICES.all().stream().anyMatch(d -> d.backendName().equals("opencl")), "opencl (PoCL) is not available; ./kiln installs it");
    }

    /**
     * ONNX's backend-test tolerance (|y − e| ≤ 1e-7 + 1e-3·|e| per element) and Kiln's fp32 bound (max error ≤
     * 1e-5 · max |e|); null when both hold.
     */
    static String compare(float[] expected, float[] y) {
        if (expected.length != y.length) return "length " + y.length + ", expected " + expected.length;
        double max = 0, err = 0;
        for (float e : expected) max = Math.max(max, Math.abs(e));
        for (int i = 0; i < y.length; i++) {
            double d = Math.abs((double) y[i] - expected[i]);
            if (!(d <= 1e-7 + 1e-3 * Math.abs(expected[i]))) return "element " + i + " is " + y[i] + ", expected " + expected[i];
            err = Math.max(err, d);
        }
        return err <= 1e-5 * Math.max(max, Double.MIN_NORMAL) ? null : "max error " + err + " > 1e-5 · " + max;
    }
}
