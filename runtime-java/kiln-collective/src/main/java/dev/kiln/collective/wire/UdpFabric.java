package dev.kiln.collective.wire;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.Locale;

/**
 * A rank's real UDP socket, by one of two paths: {@link GsoUdpFabric} (FFM, UDP GSO/GRO, recvmmsg) where the
 * kernel offers it, else {@link UdpDatagramFabric} (NIO, one system call per datagram). The environment
 * variable {@value #PATH_VARIABLE} = {@code auto} (default), {@code gso} or {@code nio} chooses; a forced
 * {@code gso} on a kernel without it is an error, not a silent fallback.
 */
public sealed interface UdpFabric extends DatagramFabric permits GsoUdpFabric, UdpDatagramFabric {
    String PATH_VARIABLE = "KILN_DATAGRAM_PATH";

    InetSocketAddress localAddress();

    void connectPeers(List<InetSocketAddress> addresses);

    /** The receive buffer the kernel granted. */
    int receiveBufferBytes();

    /** Datagrams this rank could not hand to its own kernel (send buffer full for too long) or sent to a refused port. */
    long sendBufferDrops();

    /** Datagrams this socket's kernel queue dropped for a full receive buffer, where the path can tell (else -1). */
    long receiveBufferDrops();

    /** Which datagram path this is, in words (also printed by the bench). */
    String path();

    enum Path { GSO, NIO }

    /** The path {@code auto} picks here, or the forced one; throws when a forced {@code gso} is unavailable. */
    static Path selected() {
        String wanted = System.getenv().getOrDefault(PATH_VARIABLE, "auto").toLowerCase(Locale.ROOT);
        String cause = GsoUdpFabric.unavailabilityCause();
        return switch (wanted) {
            case "auto" -> cause == null ? Path.GSO : Path.NIO;
            case "nio" -> Path.NIO;
            case "gso" -> {
                if (cause != null) throw new IllegalStateException(PATH_VARIABLE + "=gso but UDP GSO/GRO is unavailable: " + cause);
                yield Path.GSO;
            }
            default -> throw new IllegalArgumentException(PATH_VARIABLE + " must be auto, gso or nio, was '" + wanted + "'");
        };
    }

    /** One line for {@code kiln devices} and the bench: which path runs and, for the fallback, why. */
    static String describe() {
        String cause = GsoUdpFabric.unavailabilityCause();
        return switch (selected()) {
            case GSO -> GsoUdpFabric.PATH;
            case NIO -> UdpDatagramFabric.PATH + (cause != null ? " (gso/gro unavailable: " + cause + ")" : " (" + PATH_VARIABLE + "=nio)");
        };
    }

    /** Opens this rank's socket on the selected path. */
    static UdpFabric open(int rank, InetSocketAddress bind, int maxDatagramBytes, int socketBufferBytes) {
        return switch (selected()) {
            case GSO -> new GsoUdpFabric(rank, bind, maxDatagramBytes, socketBufferBytes);
            case NIO -> new UdpDatagramFabric(rank, bind, maxDatagramBytes, socketBufferBytes);
        };
    }
}
