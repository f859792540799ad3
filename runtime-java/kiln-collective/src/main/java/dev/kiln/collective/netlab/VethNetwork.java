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
    public static final String SUBNET = Bridge.SUBNET;
    private static final String HUB_ADDRESS = SUBNET + ".254";

    private final Bridge bridge;
    private final double loss;
    private final boolean receiverGro;

    private VethNetwork(Bridge bridge, double loss, boolean receiverGro) {
        this.bridge = bridge;
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
        Bridge bridge = Bridge.create(prefix + "-hub", HUB_ADDRESS);
        VethNetwork net = new VethNetwork(bridge, loss, Shell.onPath("ethtool"));
        try {
            Shell.run(List.of("ip", "netns", "exec", bridge.hub(), "nft", "-f", "-"), ruleset(loss));
            for (int r = 0; r < ranks; r++) {
                bridge.addMember(prefix + "-r" + r);
                if (net.receiverGro) Shell.run(concat(net.exec(r), "ethtool", "-K", "eth0", "gro", "on"), null);
            }
            return net;
        } catch (RuntimeException e) {
            net.close();
            throw e;
        }
    }

    private static List<String> concat(List<String> head, String... tail) {
        List<String> all = new ArrayList<>(head);
        all.addAll(List.of(tail));
        return all;
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

    public int ranks() { return bridge.members(); }

    public double loss() { return loss; }

    /** Whether receivers coalesce with GRO (needs ethtool); without it UDP_GRO sockets get one datagram per message. */
    public boolean receiverGro() { return receiverGro; }

    /** Rank {@code r}'s address on the bridge. */
    public static String address(int r) { return Bridge.address(r); }

    /** The hub's address (where {@code mpirun} and its PMIx server listen). */
    public static String hubAddress() { return HUB_ADDRESS; }

    public String namespace(int r) { return bridge.member(r); }

    public String hubNamespace() { return bridge.hub(); }

    /** The command prefix that runs a program in rank {@code r}'s namespace. */
    public List<String> exec(int r) { return Bridge.exec(namespace(r)); }

    /** The command prefix that runs a program in the hub (mpirun). */
    public List<String> execHub() { return Bridge.exec(bridge.hub()); }

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
        String listing = Shell.run(concat(execHub(), "nft", "list", "table", "bridge", "kiln"), null);
        List<Long> packets = new ArrayList<>();
        Matcher m = Pattern.compile("counter packets (\\d+)").matcher(listing);
        while (m.find()) packets.add(Long.parseLong(m.group(1)));
        if (packets.size() != 6) throw new IllegalStateException("unexpected nft listing:\n" + listing);
        long rcvbuf = 0;
        for (int r = 0; r < ranks(); r++) {
            rcvbuf += LossyNamespace.udpField(Shell.run(concat(exec(r), "cat", "/proc/net/snmp"), null), "RcvbufErrors");
        }
        return new LossyNamespace.Counters(packets.get(0), packets.get(1), packets.get(2) + packets.get(4), packets.get(3) + packets.get(5), rcvbuf);
    }

    /** Kills what still runs inside, then deletes every namespace. Idempotent. */
    @Override
    public void close() { bridge.close(); }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "%d ranks on veth MTU 1500 via bridge %s (hub loss %.3f, receiver GRO %s)",
                ranks(), bridge.hub(), loss, receiverGro ? "on" : "off (ethtool not found)");
    }
}
