package dev.kiln.collective.netlab;

import dev.kiln.collective.lossy.LossyPhase;
import dev.kiln.collective.wire.Packet;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Real kernel-level packet loss on one machine: a private network namespace (only its loopback, up)
 * whose nftables input hook drops a random fraction of the data path's packets:
 * <pre>
 * udp dport UDP_PORTS numgen random mod 1000000 &lt; p*1e6 counter drop     (Kiln's lossy data path)
 * tcp dport|sport TCP_PORTS ... drop                                       (TCP ring and Open MPI's TCP BTL)
 * </pre>
 * The control channel's port is outside every range, so it is never dropped. Loopback delivers in
 * order and the input hook sees every packet once, so each directed datagram is lost i.i.d. with
 * probability p; {@code lo} gets {@code gso_max_segs 1} so that this holds for UDP GSO sends too. The
 * benchmark uses {@link VethNetwork} (MTU 1500) instead; this single-namespace lab stays for the training
 * demo, whose rules can aim at one phase. Needs root (ip netns, nft); {@link #unavailabilityCause()} says why not. Deleting the
 * namespace removes its rules with it; {@link #close} also kills processes still inside.
 */
public final class LossyNamespace implements AutoCloseable {
    public static final int UDP_PORT_BASE = 41000;
    public static final int TCP_PORT_BASE = 42000;
    public static final int MPI_PORT_BASE = 43000;
    public static final int PORT_RANGE = 100;
    public static final int CONTROL_PORT = 29500;

    private final String name;
    private final double loss;
    private boolean closed;

    private LossyNamespace(String name, double loss) {
        this.name = name;
        this.loss = loss;
    }

    /** Null when this process can build the lab, else the reason (not root, tools missing). */
    public static String unavailabilityCause() {
        if (!isRoot()) return "real packet loss needs root (ip netns add, nft); running as uid " + uid();
        for (String tool : List.of("ip", "nft")) if (!Shell.onPath(tool)) return tool + " not found (install iproute2 nftables)";
        return null;
    }

    static boolean isRoot() { return "0".equals(uid()); }

    private static String uid() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Uid:")) return line.split("\\s+")[1];
            }
        } catch (IOException ignored) {
            // fall through
        }
        return "?";
    }

    /** Creates namespace {@code name} with loopback up and drop rules for {@code loss} in [0, 1). */
    public static LossyNamespace create(String name, double loss) {
        return create(name, loss, EnumSet.allOf(LossyPhase.class));
    }

    /**
     * As {@link #create(String, double)}, but the UDP rule drops only datagrams of {@code udpPhases}: it matches the
     * phase byte of Kiln's header ({@code @th} offset = 8 B UDP header + {@link Packet#PHASE_OFFSET}), so loss can be
     * put in the reduce-scatter alone or in the broadcast alone. The TCP rules are unchanged.
     */
    public static LossyNamespace create(String name, double loss, Set<LossyPhase> udpPhases) {
        if (udpPhases == null || udpPhases.isEmpty()) throw new IllegalArgumentException("udpPhases must name at least one phase, was " + udpPhases);
        if (!name.matches("[a-z0-9-]{1,32}")) throw new IllegalArgumentException("namespace name must match [a-z0-9-]{1,32}, was " + name);
        if (!(loss >= 0 && loss < 1)) throw new IllegalArgumentException("loss must be in [0, 1), was " + loss);
        String cause = unavailabilityCause();
        if (cause != null) throw new IllegalStateException(cause);
        Shell.run(List.of("ip", "netns", "add", name), null);
        LossyNamespace ns = new LossyNamespace(name, loss);
        try {
            // gso_max_segs 1: a UDP GSO send is cut into datagrams as it leaves, before the input hook, which would
            // otherwise see (and drop) a whole 64 KB burst of 44 datagrams as one packet.
            Shell.run(List.of("ip", "-n", name, "link", "set", "lo", "gso_max_segs", "1", "up"), null);
            Shell.run(List.of("ip", "netns", "exec", name, "nft", "-f", "-"), ruleset(loss, udpPhases));
            return ns;
        } catch (RuntimeException e) {
            ns.close();
            throw e;
        }
    }

    static String ruleset(double loss) { return ruleset(loss, EnumSet.allOf(LossyPhase.class)); }

    static String ruleset(double loss, Set<LossyPhase> udpPhases) {
        long threshold = Math.round(loss * 1_000_000);
        String drop = "numgen random mod 1000000 < " + threshold + " counter drop";
        String udp = range(UDP_PORT_BASE), tcp = range(TCP_PORT_BASE), mpi = range(MPI_PORT_BASE);
        String udpDrop = udpPhases.containsAll(EnumSet.allOf(LossyPhase.class)) ? drop
                : "@th," + 8 * (8 + Packet.PHASE_OFFSET) + ",8 { " + udpPhases.stream().map(p -> Integer.toString(p.wireCode()))
                        .collect(Collectors.joining(", ")) + " } " + drop;
        return String.join("\n",
                "table inet kiln {",
                "  chain in {",
                "    type filter hook input priority 0; policy accept;",
                "    udp dport " + udp + " counter",
                "    udp dport " + udp + " " + udpDrop,
                "    tcp dport { " + tcp + ", " + mpi + " } counter",
                "    tcp dport { " + tcp + ", " + mpi + " } " + drop,
                "    tcp sport { " + tcp + ", " + mpi + " } counter",
                "    tcp sport { " + tcp + ", " + mpi + " } " + drop,
                "  }",
                "}", "");
    }

    private static String range(int base) { return base + "-" + (base + PORT_RANGE - 1); }

    public String name() { return name; }

    public double loss() { return loss; }

    /** The command prefix that runs a program inside the namespace. */
    public List<String> exec() { return List.of("ip", "netns", "exec", name); }

    /** Packet counters of the rules: seen and dropped, for UDP and for TCP (both directions). */
    public record Counters(long udpSeen, long udpDropped, long tcpSeen, long tcpDropped, long udpReceiveBufferErrors) {
        public double udpDropFraction() { return udpSeen == 0 ? 0 : udpDropped / (double) udpSeen; }
    }

    public Counters counters() {
        String listing = Shell.run(List.of("ip", "netns", "exec", name, "nft", "list", "table", "inet", "kiln"), null);
        List<Long> packets = new ArrayList<>();
        Matcher m = Pattern.compile("counter packets (\\d+)").matcher(listing);
        while (m.find()) packets.add(Long.parseLong(m.group(1)));
        if (packets.size() != 6) throw new IllegalStateException("unexpected nft listing:\n" + listing);
        String snmp = Shell.run(List.of("ip", "netns", "exec", name, "cat", "/proc/net/snmp"), null);
        return new Counters(packets.get(0), packets.get(1), packets.get(2) + packets.get(4), packets.get(3) + packets.get(5),
                udpField(snmp, "RcvbufErrors"));
    }

    static long udpField(String snmp, String field) {
        String[] header = null;
        for (String line : snmp.split("\n")) {
            if (!line.startsWith("Udp:")) continue;
            String[] cells = line.trim().split("\\s+");
            if (header == null) {
                header = cells;
            } else {
                for (int i = 0; i < header.length; i++) if (header[i].equals(field)) return Long.parseLong(cells[i]);
            }
        }
        return -1;
    }

    /** Kills what still runs inside, then deletes the namespace (and with it the nft table). Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        try {
            String pids = Shell.run(List.of("ip", "netns", "pids", name), null).strip();
            for (String pid : pids.split("\\s+")) {
                if (pid.isEmpty()) continue;
                ProcessHandle.of(Long.parseLong(pid)).ifPresent(ProcessHandle::destroyForcibly);
            }
        } catch (RuntimeException ignored) {
            // namespace may already be gone
        }
        try {
            Shell.run(List.of("ip", "netns", "delete", name), null);
        } catch (RuntimeException e) {
            System.err.println("kiln: could not delete network namespace " + name + ": " + e.getMessage());
        }
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "netns %s (nft loss %.3f)", name, loss);
    }
}
