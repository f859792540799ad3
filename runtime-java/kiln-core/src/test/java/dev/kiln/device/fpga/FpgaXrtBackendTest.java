package dev.kiln.device.fpga;

import dev.kiln.bind.xrt.Xrt;
import dev.kiln.device.Devices;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** fpga-xrt without a board: every missing piece (XRT, the xclbin, a valid xclbin) is one clear error. */
class FpgaXrtBackendTest {
    @TempDir
    Path dir;

    @Test
    void without_xrt_the_backend_is_unavailable_and_says_why() {
        Assumptions.assumeTrue(Xrt.unavailabilityCause() != null, "XRT is installed here; this test is for machines without it");
        var backend = Devices.find("fpga-xrt").orElseThrow();
        assertFalse(backend.availability().available());
        assertTrue(backend.availability().reason().contains("libxrt_coreutil"), backend.availability().reason());
        var e = assertThrows(IllegalStateException.class, () -> Devices.open("fpga-xrt"));
        assertTrue(e.getMessage().contains("fpga-xrt") && e.getMessage().contains("XRT is not installed"), e.getMessage());
    }

    @Test
    void a_missing_xclbin_is_named() {
        var e = assertThrows(IllegalArgumentException.class, () -> XrtPort.open(0, null));
        assertTrue(e.getMessage().contains(Xclbin.ENV), e.getMessage());
        Path missing = dir.resolve("mm2im.xclbin");
        e = assertThrows(IllegalArgumentException.class, () -> XrtPort.open(0, missing));
        assertTrue(e.getMessage().contains(missing.toString()) && e.getMessage().contains("does not exist"), e.getMessage());
    }

    @Test
    void a_file_that_is_not_an_xclbin_is_refused_before_xrt_sees_it() throws IOException {
        Path bad = Files.writeString(dir.resolve("bad.xclbin"), "this is a bitstream, honest", StandardCharsets.US_ASCII);
        var e = assertThrows(IllegalArgumentException.class, () -> XrtPort.open(0, bad));
        assertTrue(e.getMessage().contains("bad.xclbin") && e.getMessage().contains("not an xclbin"), e.getMessage());
        Path empty = Files.write(dir.resolve("empty.xclbin"), new byte[0]);
        e = assertThrows(IllegalArgumentException.class, () -> XrtPort.open(0, empty));
        assertTrue(e.getMessage().contains("0 bytes"), e.getMessage());
    }

    @Test
    void a_well_formed_xclbin_without_xrt_gives_the_xrt_error() throws IOException {
        Assumptions.assumeTrue(Xrt.unavailabilityCause() != null, "XRT is installed here; this test is for machines without it");
        byte[] head = new byte[64];
        System.arraycopy("xclbin2\0".getBytes(StandardCharsets.US_ASCII), 0, head, 0, 8);
        Path ok = Files.write(dir.resolve("mm2im.xclbin"), head);
        var e = assertThrows(IllegalStateException.class, () -> XrtPort.open(0, ok));
        assertTrue(e.getMessage().contains("XRT is not installed"), e.getMessage());
    }
}
