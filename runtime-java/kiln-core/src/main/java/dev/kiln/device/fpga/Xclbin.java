package dev.kiln.device.fpga;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Where the MM2IM bitstream is ({@code -Dkiln.xclbin=...} or {@code KILN_XCLBIN}) and a first check that a
 * file is one: every xclbin starts with the 8-byte magic {@code "xclbin2\0"} ({@code struct axlf}). XRT
 * would refuse anything else too, but with a bare {@code EINVAL}; this names the file and what it found.
 */
public final class Xclbin {
    public static final String PROPERTY = "kiln.xclbin";
    public static final String ENV = "KILN_XCLBIN";
    private static final byte[] MAGIC = "xclbin2\0".getBytes(StandardCharsets.US_ASCII);

    private Xclbin() {}

    /** The configured xclbin path, if any. */
    public static Optional<Path> configured() {
        String p = System.getProperty(PROPERTY);
        if (p == null || p.isBlank()) p = System.getenv(ENV);
        return p == null || p.isBlank() ? Optional.empty() : Optional.of(Path.of(p));
    }

    /** Throws {@link IllegalArgumentException} naming the file unless it exists, is readable and is an xclbin. */
    public static Path check(Path path) {
        if (path == null) {
            throw new IllegalArgumentException("fpga-xrt needs the MM2IM xclbin: pass -D" + PROPERTY + "=/path/mm2im.xclbin or set "
                    + ENV + " (build it with hls/scripts/run_hls.tcl and v++; see docs/hls.md)");
        }
        if (!Files.exists(path)) throw new IllegalArgumentException("xclbin " + path + " does not exist");
        if (!Files.isRegularFile(path) || !Files.isReadable(path)) throw new IllegalArgumentException("xclbin " + path + " is not a readable file");
        byte[] head = new byte[MAGIC.length];
        int n;
        try (InputStream in = Files.newInputStream(path)) {
            n = in.readNBytes(head, 0, head.length);
        } catch (IOException e) {
            throw new IllegalArgumentException("xclbin " + path + " cannot be read: " + e.getMessage());
        }
        if (n < MAGIC.length || !java.util.Arrays.equals(head, MAGIC)) {
            throw new IllegalArgumentException("xclbin " + path + " is not an xclbin: it does not start with the magic 'xclbin2' ("
                    + (n < MAGIC.length ? "file has " + n + " bytes" : "found '" + printable(head) + "'") + ")");
        }
        return path;
    }

    private static String printable(byte[] b) {
        StringBuilder s = new StringBuilder();
        for (byte v : b) s.append(v >= 32 && v < 127 ? (char) v : '.');
        return s.toString();
    }
}
