package dev.kiln.collective.netlab;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * Hosts simulated on this machine: one network namespace per host, each with {@code eth0} at 198.18.0.(h+1)/24,
 * joined by veth pairs to a bridge that lives in a namespace of its own (so the machine's own network is not
 * touched). Each host resolves the others by name ({@code <prefix>h0}, ...) through {@code /etc/netns/NAME/hosts},
 * which {@code ip netns exec} mounts over {@code /etc/hosts}, and its own name to {@code 127.0.1.1}, as on Debian. {@link #close} kills what still runs inside and
 * deletes everything, also after a failed setup. Tests use it to spread ranks over hosts without a cluster.
 *
 * <pre>{@code
 * try (SimulatedHosts hosts = SimulatedHosts.create(2)) {
 *     new ProcessBuilder(hosts.exec(1, List.of("ip", "addr"))).inheritIO().start().waitFor();
 * }
 * }</pre>
 */
public final class SimulatedHosts implements AutoCloseable {
    /** Numbers the sets this JVM creates, so two sets can exist at once. */
    private static final AtomicInteger CREATED = new AtomicInteger();
    private final String prefix;
    private final int hosts;
    private Bridge bridge;

    private SimulatedHosts(String prefix, int hosts) {
        this.prefix = prefix;
        this.hosts = hosts;
    }

    /** Null when this machine can build them, else why not (root and iproute2 are needed). */
    public static String unavailabilityCause() {
        try {
            String uid = Files.readAllLines(Path.of("/proc/self/status")).stream().filter(l -> l.startsWith("Uid:"))
                    .map(l -> l.split("\\s+")[1]).findFirst().orElse("?");
            if (!uid.equals("0")) return "simulated hosts need root (ip netns add); running as uid " + uid;
        } catch (IOException e) {
            return "cannot read /proc/self/status: " + e.getMessage();
        }
        if (Stream.of("/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip").noneMatch(p -> Files.isExecutable(Path.of(p)))) {
            return "ip not found (install iproute2)";
        }
        return null;
    }

    /** {@code hosts} hosts (1..200), addresses 198.18.0.1 upwards; throws naming the failed {@code ip} command. */
    public static SimulatedHosts create(int hosts) {
        if (hosts < 1 || hosts > 200) throw new IllegalArgumentException("hosts must be in [1, 200], was " + hosts);
        SimulatedHosts s = new SimulatedHosts("kh" + ProcessHandle.current().pid() + "-" + CREATED.incrementAndGet() + "-", hosts);
        try {
            s.build();
            return s;
        } catch (RuntimeException e) {
            s.close();
            throw e;
        }
    }

    private void build() {
        bridge = Bridge.create(prefix + "sw", null);
        for (int h = 0; h < hosts; h++) {
            bridge.addMember(namespace(h));
            try {
                Path dir = Path.of("/etc/netns", namespace(h));
                Files.createDirectories(dir);
                Files.writeString(dir.resolve("hosts"), hostsFile(h));
            } catch (IOException e) {
                throw new IllegalStateException("cannot write /etc/netns/" + namespace(h) + "/hosts: " + e.getMessage(), e);
            }
        }
    }

    /**
     * Host {@code self}'s {@code /etc/hosts}: the others by their addresses, and its own name at {@code 127.0.1.1}, as
     * Debian's installer writes it, so that a job whose MASTER_ADDR is a host name meets the same trap here as there.
     */
    private String hostsFile(int self) {
        StringBuilder file = new StringBuilder("127.0.0.1 localhost\n");
        for (int h = 0; h < hosts; h++) file.append(h == self ? "127.0.1.1" : address(h)).append(' ').append(hostName(h)).append('\n');
        return file.toString();
    }

    public String namespace(int host) { return prefix + "h" + host; }

    /** The name by which every simulated host knows host {@code host}. */
    public String hostName(int host) { return prefix + "h" + host; }

    public static String address(int host) { return Bridge.address(host); }

    /** {@code command} run inside host {@code host}'s namespace. */
    public List<String> exec(int host, List<String> command) {
        List<String> cmd = new ArrayList<>(Bridge.exec(namespace(host)));
        cmd.addAll(command);
        return cmd;
    }

    /**
     * Every host's kernel drops each incoming UDP datagram to ports {@code [firstPort, lastPort]} with probability
     * {@code p} (an nftables input rule with {@code numgen random}, in steps of 0.001), counted by the rule.
     */
    public void dropIncomingUdp(double p, int firstPort, int lastPort) {
        if (!(p >= 0 && p < 1)) throw new IllegalArgumentException("drop probability must be in [0, 1), was " + p);
        long perMille = Math.round(p * 1000);
        for (int h = 0; h < hosts; h++) {
            List<String> nft = exec(h, List.of("nft"));
            run(concat(nft, "add", "table", "inet", "kilnhosts"));
            run(concat(nft, "add", "chain", "inet", "kilnhosts", "input", "{ type filter hook input priority 0 ; policy accept ; }"));
            run(concat(nft, "add", "rule", "inet", "kilnhosts", "input", "udp", "dport", firstPort + "-" + lastPort,
                    "numgen", "random", "mod", "1000", "<", Long.toString(perMille), "counter", "drop"));
        }
    }

    private static List<String> concat(List<String> head, String... tail) {
        List<String> all = new ArrayList<>(head);
        all.addAll(List.of(tail));
        return all;
    }

    private static String run(List<String> command) { return Shell.run(command, null); }

    /** Kills what still runs in the namespaces, deletes them (their veths and bridge go with them) and the hosts files. */
    @Override
    public void close() {
        if (bridge != null) bridge.close();
        for (int h = 0; h < hosts; h++) {
            Path dir = Path.of("/etc/netns", namespace(h));
            if (!Files.exists(dir)) continue;
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException e) {
                System.err.println("simulated hosts: removing " + dir + ": " + e.getMessage());
            }
        }
    }
}
