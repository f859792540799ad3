package dev.kiln.collective.netlab;

import dev.kiln.bind.net.LinuxNetns;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A small Ethernet on one machine, as fair to every transport as a rack switch: each rank in its own network
 * namespace with one veth of MTU 1500 ({@code eth0}, 198.18.0.{rank+1}/24), all plugged into a bridge in a hub
 * namespace (198.18.0.254). Nothing crosses a 64 KiB loopback: UDP, the TCP ring and Open MPI's TCP BTL all
 * travel as 1500-byte frames through the same bridge.
 *
 * <p>Loss is injected in the hub's bridge forward hook ({@code numgen random}), which sees every frame once on
 * its way from one rank to another. A UDP GSO send would cross a veth whole (veth advertises GSO) and be
 * dropped 44 datagrams at a time, so each rank's {@code eth0} gets {@code gso_max_segs 1}: the sender's kernel
 * cuts the burst into datagrams as it leaves the rank, and the hub drops them one by one, i.i.d. Receivers
 * turn GRO on (ethtool) so that their UDP_GRO sockets can coalesce again after the loss point.
 *
 * <p>Needs root, {@code ip} and {@code nft}; {@link #close} kills what still runs inside and deletes every
 * namespace (the veths and rules go with them).
 */
public final class VethNetwork implements AutoCloseable {
    public static final String SUBNET = "198.18.0";
    private static final String HUB_ADDRESS = SUBNET + ".254";

    private final String hub;
    private final List<String> rankNamespaces = new ArrayList<>();
    private final double loss;
    private final boolean receiverGro;
    private boolean closed;

    private VethNetwork(String prefix, double loss, boolean receiverGro) {
        this.hub = prefix + "-hub";
        this.loss = loss;
        this.receiverGro = receiverGro;
    }

    /** Null when this process can build the network (root, ip, nft); else the reason. */
    public static String unavailabilityCause() { return LossyNamespace.unavailabilityCause(); }

    /**
     * Builds the network for {@code ranks} ranks with i.i.d. loss {@code loss} in [0, 1) on Kiln's UDP data ports
     * and the TCP ring's and MPI's ports. {@code prefix} names the namespaces ({@code prefix-hub}, {@code prefix-r0}, ...).
     */
    public static VethNetwork create(String prefix, int ranks, double loss) {
        if (!prefix.matches("[a-z0-9-]{1,24}")) throw new IllegalArgumentException("prefix must match [a-z0-9-]{1,24}, was " + prefix);
        if (ranks < 2 || ranks > 200) throw new IllegalArgumentException("ranks must be in [2, 200], was " + ranks);
        if (!(loss >= 0 && loss < 1)) throw new IllegalArgumentException("loss must be in [0, 1), was " + loss);
        String cause = unavailabilityCause();
        if (cause != null) throw new IllegalStateException(cause);
        VethNetwork net = new VethNetwork(prefix, loss, Shell.onPath("ethtool"));
        try {
            net.build(ranks);
            return net;
        } catch (RuntimeException e) {
            net.close();
            throw e;
        }
    }

    private void build(int ranks) {
        ip("netns", "add", hub);
        ip("-n", hub, "link", "set", "lo", "up");
        ip("-n", hub, "link", "add", "br0", "type", "bridge");
        ip("-n", hub, "addr", "add", HUB_ADDRESS + "/24", "dev", "br0");
        ip("-n", hub, "link", "set", "br0", "up");
        Shell.run(List.of("ip", "netns", "exec", hub, "nft", "-f", "-"), ruleset(loss));
        String tag = Long.toString(ProcessHandle.current().pid() % 100000);
        for (int r = 0; r < ranks; r++) {
            String ns = hub.substring(0, hub.length() - 4) + "-r" + r;
            ip("netns", "add", ns);
            rankNamespaces.add(ns);
            String tmp = "k" + tag + "x" + r; // unique while the pair is created, renamed to eth0 inside the rank
            ip("link", "add", tmp, "netns", ns, "type", "veth", "peer", "name", "v" + r, "netns", hub);
            ip("-n", ns, "link", "set", tmp, "name", "eth0");
            ip("-n", ns, "addr", "add", address(r) + "/24", "dev", "eth0");
            // gso_max_segs 1: a GSO burst is cut into datagrams when it leaves the rank, before the loss point.
            ip("-n", ns, "link", "set", "eth0", "mtu", "1500", "gso_max_segs", "1", "up");
            ip("-n", ns, "link", "set", "lo", "up");
            ip("-n", hub, "link", "set", "v" + r, "mtu", "1500", "master", "br0", "up");
            if (receiverGro) Shell.run(List.of("ip", "netns", "exec", ns, "ethtool", "-K", "eth0", "gro", "on"), null);
        }
    }

    private static void ip(String... args) {
        List<String> cmd = new ArrayList<>(List.of("ip"));
        cmd.addAll(List.of(args));
        Shell.run(cmd, null);
    }

    /** The hub's bridge rules: count, then drop with probability {@code loss}, per frame forwarded between ranks. */
    static String ruleset(double loss) {
        long threshold = Math.round(loss * 1_000_000);
        String drop = "numgen random mod 1000000 < " + threshold + " counter drop";
        String udp = range(LossyNamespace.UDP_PORT_BASE);
        String tcp = "{ " + range(LossyNamespace.TCP_PORT_BASE) + ", " + range(LossyNamespace.MPI_PORT_BASE) + " }";
        return String.join("\n",
                "table bridge kiln {",
                "  chain forward {",
                "    type filter hook forward priority 0; policy accept;",
                "    ether type ip udp dport " + udp + " counter",
                "    ether type ip udp dport " + udp + " " + drop,
                "    ether type ip tcp dport " + tcp + " counter",
                "    ether type ip tcp dport " + tcp + " " + drop,
                "    ether type ip tcp sport " + tcp + " counter",
                "    ether type ip tcp sport " + tcp + " " + drop,
                "  }",
                "}", "");
    }

    private static String range(int base) { return base + "-" + (base + LossyNamespace.PORT_RANGE - 1); }

    public int ranks() { return rankNamespaces.size(); }

    public double loss() { return loss; }

    /** Whether receivers coalesce with GRO (needs ethtool); without it UDP_GRO sockets get one datagram per message. */
    public boolean receiverGro() { return receiverGro; }

    /** Rank {@code r}'s address on the bridge. */
    public static String address(int r) { return SUBNET + "." + (r + 1); }

    /** The hub's address (where {@code mpirun} and its PMIx server listen). */
    public static String hubAddress() { return HUB_ADDRESS; }

    public String namespace(int r) { return rankNamespaces.get(r); }

    public String hubNamespace() { return hub; }

    /** The command prefix that runs a program in rank {@code r}'s namespace. */
    public List<String> exec(int r) { return List.of("ip", "netns", "exec", namespace(r)); }

    /** The command prefix that runs a program in the hub (mpirun). */
    public List<String> execHub() { return List.of("ip", "netns", "exec", hub); }

    /**
     * Runs {@code body} on a fresh thread that has entered rank {@code r}'s namespace: a socket it opens lives
     * there for good, and can then be used from any thread.
     */
    public <T> T inRank(int r, Callable<T> body) {
        AtomicReference<T> result = new AtomicReference<>();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread t = Thread.ofPlatform().name("kiln-netns-" + namespace(r)).start(() -> {
            try {
                LinuxNetns.enter(namespace(r));
                result.set(body.call());
            } catch (Throwable e) {
                failure.set(e);
            }
        });
        try {
            t.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted entering " + namespace(r), e);
        }
        if (failure.get() instanceof RuntimeException e) throw e;
        if (failure.get() != null) throw new IllegalStateException(failure.get());
        return result.get();
    }

    /** Frames the hub saw and dropped (UDP data ports; TCP ring and MPI ports, both directions) and receive-buffer drops. */
    public LossyNamespace.Counters counters() {
        String listing = Shell.run(List.of("ip", "netns", "exec", hub, "nft", "list", "table", "bridge", "kiln"), null);
        List<Long> packets = new ArrayList<>();
        Matcher m = Pattern.compile("counter packets (\\d+)").matcher(listing);
        while (m.find()) packets.add(Long.parseLong(m.group(1)));
        if (packets.size() != 6) throw new IllegalStateException("unexpected nft listing:\n" + listing);
        long rcvbuf = 0;
        for (String ns : rankNamespaces) {
            rcvbuf += LossyNamespace.udpField(Shell.run(List.of("ip", "netns", "exec", ns, "cat", "/proc/net/snmp"), null), "RcvbufErrors");
        }
        return new LossyNamespace.Counters(packets.get(0), packets.get(1), packets.get(2) + packets.get(4), packets.get(3) + packets.get(5), rcvbuf);
    }

    /** Kills what still runs inside, then deletes every namespace. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        List<String> all = new ArrayList<>(rankNamespaces);
        all.add(hub);
        for (String ns : all) {
            try {
                for (String pid : Shell.run(List.of("ip", "netns", "pids", ns), null).strip().split("\\s+")) {
                    if (!pid.isEmpty()) ProcessHandle.of(Long.parseLong(pid)).ifPresent(ProcessHandle::destroyForcibly);
                }
            } catch (RuntimeException ignored) {
                // not created, or already gone
            }
        }
        for (String ns : all) {
            try {
                Shell.run(List.of("ip", "netns", "delete", ns), null);
            } catch (RuntimeException e) {
                if (!e.getMessage().contains("No such file")) System.err.println("kiln: could not delete network namespace " + ns + ": " + e.getMessage());
            }
        }
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "%d ranks on veth MTU 1500 via bridge %s (hub loss %.3f, receiver GRO %s)",
                ranks(), hub, loss, receiverGro ? "on" : "off (ethtool not found)");
    }
}
