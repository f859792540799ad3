package dev.kiln.device.cuda;

import dev.kiln.device.KernelResources;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The CUDA build path, checked without a GPU: every .cu became PTX with the kernels its OpenCL twin
 * declares, and a .cu that does not compile stops kernels/build-ptx.sh with nvcc's own message.
 */
class PtxBuildTest {
    private static final Path KERNELS = Path.of("..", "..", "kernels").toAbsolutePath().normalize();

    @Test
    void every_cu_source_has_ptx_in_the_runtime_with_every_portable_kernel() throws IOException {
        List<Path> sources;
        try (var s = Files.list(KERNELS.resolve("cuda"))) {
            sources = s.filter(p -> p.toString().endsWith(".cu")).sorted().toList();
        }
        assertTrue(!sources.isEmpty(), "kernels/cuda has no .cu files");
        for (Path cu : sources) {
            String program = cu.getFileName().toString().replaceFirst("\\.cu$", "");
            String ptx = new String(KernelResources.ptx(program), StandardCharsets.US_ASCII);
            assertTrue(ptx.contains(".target sm_90"), program + ".ptx targets sm_90");
            Path cl = KERNELS.resolve("opencl").resolve(program + ".cl");
            if (Files.exists(cl)) {
                Matcher m = Pattern.compile("KERNEL\\s+void\\s+(\\w+)").matcher(Files.readString(cl));
                while (m.find()) {
                    assertTrue(ptx.contains(".entry " + m.group(1) + "("), program + ".ptx has the entry " + m.group(1) + " (extern \"C\", unmangled)");
                }
            }
        }
    }

    @Test
    void a_cuda_compile_error_fails_build_ptx_with_nvcc_message(@TempDir Path tmp) throws Exception {
        String nvcc = System.getenv().getOrDefault("NVCC", "nvcc");
        boolean haveNvcc = Files.isExecutable(Path.of("/usr/local/cuda/bin/nvcc")) || onPath(nvcc);
        Assumptions.assumeTrue(haveNvcc, "no nvcc on this machine: the Maven build itself needs it (or KILN_SKIP_PTX=1)");
        Path script = tmp.resolve("build-ptx.sh");
        Files.copy(KERNELS.resolve("build-ptx.sh"), script);
        Files.createDirectories(tmp.resolve("include"));
        Files.copy(KERNELS.resolve("include/kiln_portable.h"), tmp.resolve("include/kiln_portable.h"));
        Files.createDirectories(tmp.resolve("cuda"));
        Files.writeString(tmp.resolve("cuda/broken.cu"), """
                #include "kiln_portable.h"
                KERNEL void broken(GLOBAL float* y) {
                    y[global_id(0)] = kiln_no_such_symbol;
                }
                """);
        Process p = new ProcessBuilder("bash", script.toString(), tmp.resolve("out").toString(), "sm_90").redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "nvcc did not finish in 120 s");
        assertNotEquals(0, p.exitValue(), "build-ptx.sh must fail on a compile error; output:\n" + output);
        assertTrue(output.contains("broken.cu") && output.contains("kiln_no_such_symbol") && output.contains("error"),
                "nvcc's message names the file and the symbol:\n" + output);
        assertTrue(!Files.exists(tmp.resolve("out/broken.ptx")) || Files.size(tmp.resolve("out/broken.ptx")) == 0, "no PTX for a broken source");
    }

    @Test
    void the_portable_header_refuses_a_plain_c_compiler() throws Exception {
        Assumptions.assumeTrue(onPath("cc"), "no C compiler to try");
        Process p = new ProcessBuilder("cc", "-fsyntax-only", "-x", "c", "-I", KERNELS.resolve("include").toString(), "-")
                .redirectErrorStream(true).start();
        p.getOutputStream().write("#include \"kiln_portable.h\"\n".getBytes(StandardCharsets.US_ASCII));
        p.getOutputStream().close();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor(60, TimeUnit.SECONDS);
        assertNotEquals(0, p.exitValue());
        assertTrue(output.contains("compile as OpenCL C or with nvcc"), output);
    }

    private static boolean onPath(String exe) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (Files.isExecutable(Path.of(dir, exe))) return true;
        }
        return false;
    }
}
