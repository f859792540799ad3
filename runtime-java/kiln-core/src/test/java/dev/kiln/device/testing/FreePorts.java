package dev.kiln.device.testing;

import java.io.IOException;
import java.net.ServerSocket;

/** Loopback ports for tests that start rank processes meeting at {@code MASTER_PORT} and the ports after it. */
public final class FreePorts {
    private FreePorts() {}

    /** A port p with p .. p + count - 1 free now (a world rendezvous, then one per KVP group). */
    public static int run(int count) throws IOException {
        for (int attempt = 0; attempt < 50; attempt++) {
            int p;
            try (ServerSocket s = new ServerSocket(0)) {
                p = s.getLocalPort();
            }
            if (p + count > 65535) continue;
            boolean free = true;
            for (int i = 1; i < count && free; i++) {
                try (ServerSocket s = new ServerSocket(p + i)) {
                    free = true;
                } catch (IOException e) {
                    free = false;
                }
            }
            if (free) return p;
        }
        throw new IOException("no run of " + count + " free loopback ports found");
    }
}
