package dev.kiln.collective.rendezvous;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramSocket;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The address this rank publishes for its data sockets, the one the other ranks can reach: the IPv4 address of
 * a named interface ({@code --iface NAME} or {@code KILN_IFACE}), else the local address of this host's route to
 * rank 0. The route is asked of the kernel by connecting a UDP socket to the master, which sends nothing and
 * only fixes the source address the kernel would use; ranks sharing a host with the master at
 * {@code 127.0.0.1} get {@code 127.0.0.1}. A master given by a host name that resolves to loopback on its own host
 * (Debian and Ubuntu map the machine's name to {@code 127.0.1.1} in {@code /etc/hosts}) is the rank-0 host of a job
 * that may span hosts: loopback would be unreachable from the others, so such a rank publishes the first IPv4
 * address of an interface that is up and not loopback (Gloo fails here and asks for {@code GLOO_SOCKET_IFNAME}).
 *
 * <pre>{@code
 * String bindHost = ReachableAddress.resolve(LaunchEnvironment.detect(), null).getHostAddress();
 * }</pre>
 */
public final class ReachableAddress {
    /** The environment variable that names the interface when no {@code --iface} is given. */
    public static final String IFACE_VARIABLE = "KILN_IFACE";

    private ReachableAddress() {}

    /** {@code iface} (may be null), else {@code KILN_IFACE}, else the route to the master of {@code env}. */
    public static InetAddress resolve(LaunchEnvironment env, String iface) {
        return resolve(env, iface, System.getenv());
    }

    static InetAddress resolve(LaunchEnvironment env, String iface, Map<String, String> environment) {
        if (iface != null && !iface.isBlank()) return ofInterface(iface.trim(), "--iface");
        String fromEnv = environment.get(IFACE_VARIABLE);
        if (fromEnv != null && !fromEnv.isBlank()) return ofInterface(fromEnv.trim(), IFACE_VARIABLE);
        return routeTo(env.masterAddr(), env.masterPort());
    }

    /** The first IPv4 address of interface {@code name}; the error lists the interfaces that exist. */
    public static InetAddress ofInterface(String name, String source) {
        try {
            NetworkInterface nif = NetworkInterface.getByName(name);
            if (nif == null) {
                throw new IllegalArgumentException(source + " = '" + name + "' is not an interface of this host; it has " + interfaceNames());
            }
            for (InetAddress a : Collections.list(nif.getInetAddresses())) {
                if (a instanceof Inet4Address) return a;
            }
            throw new IllegalArgumentException(source + " = '" + name + "' has no IPv4 address");
        } catch (SocketException e) {
            throw new UncheckedIOException("cannot list the network interfaces: " + e.getMessage(), e);
        }
    }

    /** The source address of this host's route to {@code host}. */
    public static InetAddress routeTo(String host, int port) {
        InetAddress master;
        try {
            master = InetAddress.getByName(host);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("master address '" + host + "' does not resolve on this host: " + e.getMessage(), e);
        }
        if (master.isLoopbackAddress()) return namesLoopback(host) ? master : firstNonLoopback().orElse(master);
        try (DatagramSocket probe = new DatagramSocket()) {
            probe.connect(new InetSocketAddress(master, port));
            InetAddress local = probe.getLocalAddress();
            if (local == null || local.isAnyLocalAddress()) {
                throw new IllegalStateException("the kernel named no source address for the route to " + master.getHostAddress()
                        + "; name the interface with --iface or " + IFACE_VARIABLE);
            }
            return local;
        } catch (IOException e) {
            throw new IllegalStateException("no route from this host to the master " + master.getHostAddress() + ": " + e.getMessage()
                    + "; name the interface with --iface or " + IFACE_VARIABLE, e);
        }
    }

    /**
     * Whether {@code host} says loopback itself ({@code localhost} or a loopback literal), as opposed to a host name
     * that this host's resolver maps to loopback.
     */
    static boolean namesLoopback(String host) {
        if (host.equalsIgnoreCase("localhost")) return true;
        boolean literal = host.matches("[0-9.]+") || host.contains(":");
        if (!literal) return false;
        try {
            return InetAddress.getByName(host).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }

    /** The first IPv4 address of an interface that is up and not loopback, in the kernel's interface order. */
    static Optional<InetAddress> firstNonLoopback() {
        try {
            for (NetworkInterface n : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                if (!n.isUp() || n.isLoopback()) continue;
                for (InetAddress a : Collections.list(n.getInetAddresses())) {
                    if (a instanceof Inet4Address && !a.isLoopbackAddress()) return Optional.of(a);
                }
            }
            return Optional.empty();
        } catch (SocketException e) {
            throw new UncheckedIOException("cannot list the network interfaces: " + e.getMessage(), e);
        }
    }

    private static List<String> interfaceNames() throws SocketException {
        List<String> names = new ArrayList<>();
        for (NetworkInterface n : Collections.list(NetworkInterface.getNetworkInterfaces())) names.add(n.getName());
        return names;
    }
}
