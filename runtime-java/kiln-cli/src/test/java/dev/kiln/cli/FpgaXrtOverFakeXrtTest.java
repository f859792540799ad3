package dev.kiln.cli;

import dev.kiln.device.fpga.Xclbin;
import dev.kiln.device.testing.ChildJvm;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The whole fpga-xrt path without a board: a stand-in {@code libxrt_coreutil.so.2} ({@code hls/tb/fake_xrt.cpp},
 * built here with g++) keeps buffer objects in host memory and runs the {@code mm2im_xrt} kernel's C
 * simulation on {@code xrtKernelRun}. A fresh JVM finds it on {@code LD_LIBRARY_PATH} and runs
 * {@code kiln tconv verify --backend fpga-xrt}: the real FFM bindings (variadic {@code xrtKernelRun} included),
 * {@link XrtPort} and the memory-mapped top must give the int8 reference's bytes.
 */
class FpgaXrtOverFakeXrtTest {
    @TempDir
    Path dir;

    @Test
    void verify_through_fpga_xrt_over_a_simulated_xrt_is_bit_exact() throws Exception {
        Path hls = Path.of("..", "..", "hls").toAbsolutePath().normalize();
        Path lib = dir.resolve("libxrt_coreutil.so.2");
        Process gcc = new ProcessBuilder("g++", "-O2", "-std=c++17", "-shared", "-fPIC", "-w", "-DKILN_HLS_STANDIN",
                "-I" + hls.resolve("mm2im"), "-I" + hls.resolve("include"), hls.resolve("tb/fake_xrt.cpp").toString(),
                hls.resolve("mm2im/mm2im.cpp").toString(), hls.resolve("mm2im/mm2im_xrt.cpp").toString(), "-o", lib.toString())
                .redirectErrorStream(true).start();
        String gccOut = new String(gcc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        Assumptions.assumeTrue(gcc.waitFor(120, TimeUnit.SECONDS) && gcc.exitValue() == 0, "cannot build the XRT stand-in with g++: " + gccOut);
        byte[] xclbin = new byte[256];
        System.arraycopy("xclbin2\0".getBytes(StandardCharsets.US_ASCII), 0, xclbin, 0, 8);
        Path bitstream = Files.write(dir.resolve("mm2im.xclbin"), xclbin);

        Map<String, String> env = Map.of("LD_LIBRARY_PATH", dir.toString(), Xclbin.ENV, bitstream.toString());
        // Oc % 8 = 4 (leftover on the CPU), K < s with explicit crops, and a synthetic config with Ic = 2 words.
        for (String layer : List.of("ih=5,iw=4,ic=40,oc=12,k=3,s=2", "ih=3,iw=5,ic=20,oc=8,kh=2,kw=3,sh=3,sw=2,pt=1,pl=2,pr=1",
                "ih=7,iw=7,ic=32,oc=16,k=5,s=1")) {
            String[] out = run(env, "tconv", "verify", "--layer", layer, "--backend", "fpga-xrt", "--dtype", "int8", "--rounding", "single");
            assertEquals("0", out[0], layer + ":\n" + out[1]);
            assertTrue(out[1].contains("fpga-xrt") && out[1].contains("PASS: 1 checks, 0 failed"), out[1]);
        }
        // XRT loads but the configured xclbin is not one: the file is named before XRT is asked.
        Path bad = Files.writeString(dir.resolve("bad.xclbin"), "not a bitstream");
        String[] out = run(Map.of("LD_LIBRARY_PATH", dir.toString(), Xclbin.ENV, bad.toString()),
                "tconv", "verify", "--layer", "ih=2,iw=2,ic=16,oc=8,k=3,s=2", "--backend", "fpga-xrt", "--dtype", "int8", "--rounding", "single");
        assertTrue(!out[0].equals("0") && out[1].contains("bad.xclbin") && out[1].contains("not an xclbin"), out[1]);
    }

    /** Runs the CLI in a fresh JVM with {@code env}; returns {exit code, output}. */
    private static String[] run(Map<String, String> env, String... args) throws Exception {
        ChildJvm.Result r = ChildJvm.run(env, KilnCli.class.getName(), args);
        return new String[]{Integer.toString(r.exitCode()), r.output()};
    }
}
