package dev.kiln.collective.netlab;

import java.util.ArrayList;
import java.util.List;

/**
 * The plumbing that {@link VethNetwork} and {@link SimulatedHosts} share: a hub network namespace holding a bridge
 * {@code br0}, and member namespaces, each with one veth {@code eth0} (MTU 1500, 198.18.0.{i+1}/24) plugged into
 * it. What differs between the two (where loss is injected, how members find each other) stays with them.
 * {@link #close} kills what still runs in any of the namespaces and deletes them; the veths and the bridge go with
 * them. Needs root and {@code ip}.
 */
final class Bridge implements AutoCloseable {
    static final String SUBNET = "198.18.0";

    private final String hub;
    private final List<String> members = new ArrayList<>();
    private final String vethTag = "k" + ProcessHandle.current().pid() % 100000 + "x";
    private boolean hubCreated;
    private boolean closed;

    private Bridge(String hub) { this.hub = hub; }

    /**
     * Creates the hub namespace {@code hub} with its bridge, and {@code hubAddress}/24 on the bridge unless null.
     * On failure, deletes what it made and rethrows.
     */
    static Bridge create(String hub, String hubAddress) {
        Bridge bridge = new Bridge(hub);
        try {
            ip("netns", "add", hub);
            bridge.hubCreated = true;
            ip("-n", hub, "link", "set", "lo", "up");
            ip("-n", hub, "link", "add", "br0", "type", "bridge");
            if (hubAddress != null) ip("-n", hub, "addr", "add", hubAddress + "/24", "dev", "br0");
            ip("-n", hub, "link", "set", "br0", "up");
            return bridge;
        } catch (RuntimeException e) {
            bridge.close();
            throw e;
        }
    }

    /** Member i's address on the bridge. */
    static String address(int member) { return SUBNET + "." + (member + 1); }

    /** Adds namespace {@code ns} as the next member (index = members so far); the caller closes the bridge on failure. */
    void addMember(String ns) {
        int i = members.size();
        ip("netns", "add", ns);
        members.add(ns);
        String tmp = vethTag + i; // unique while the pair is created, renamed to eth0 inside the member
        ip("link", "add", tmp, "netns", ns, "type", "veth", "peer", "name", "v" + i, "netns", hub);
        ip("-n", ns, "link", "set", tmp, "name", "eth0");
        ip("-n", ns, "addr", "add", address(i) + "/24", "dev", "eth0");
        // gso_max_segs 1: a UDP GSO burst is cut into datagrams as it leaves the member (over eth0 to another member,
        // over lo to itself), before any loss point, so that loss is per datagram (veth advertises GSO and would
        // otherwise carry the burst whole and lose 44 datagrams at a time).
        ip("-n", ns, "link", "set", "eth0", "mtu", "1500", "gso_max_segs", "1", "up");
        ip("-n", ns, "link", "set", "lo", "gso_max_segs", "1", "up");
        ip("-n", hub, "link", "set", "v" + i, "mtu", "1500", "master", "br0", "up");
    }

    String hub() { return hub; }

    String member(int i) { return members.get(i); }

    int members() { return members.size(); }

    /** The command prefix that runs a program in namespace {@code ns}. */
    static List<String> exec(String ns) { return List.of("ip", "netns", "exec", ns); }

    private static void ip(String... args) {
        List<String> cmd = new ArrayList<>(List.of("ip"));
        cmd.addAll(List.of(args));
        Shell.run(cmd, null);
    }

    /** Kills what still runs inside, then deletes the members and the hub. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        List<String> all = new ArrayList<>(members.reversed());
        if (hubCreated) all.add(hub);
        for (String ns : all) {
            try {
                for (String pid : Shell.run(List.of("ip", "netns", "pids", ns), null).strip().split("\\s+")) {
                    if (!pid.isEmpty()) ProcessHandle.of(Long.parseLong(pid)).ifPresent(ProcessHandle::destroyForcibly);
                }
            } catch (RuntimeException ignored) {
                // already gone
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
}
