package dev.kiln.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The kernel's cap on UDP receive buffers, which bounds how long a rank may be descheduled without overflow. */
final class UdpBuffers {
    static final long WANTED = 64L << 20;

    private UdpBuffers() {}

    /** net.core.rmem_max in bytes, or -1 when it cannot be read. */
    static long rmemMax() {
        try {
            return Long.parseLong(Files.readAllLines(Path.of("/proc/sys/net/core/rmem_max")).get(0).trim());
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }
}
