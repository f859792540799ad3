package dev.kiln.cli;

import dev.kiln.collective.bench.BenchConfig;
import dev.kiln.collective.bench.BenchLauncher;
import dev.kiln.collective.bench.BenchResult;
import dev.kiln.collective.bench.BenchWorker;
import dev.kiln.collective.lossy.LossPolicy;
import dev.kiln.collective.netlab.LossyNamespace;
import dev.kiln.collective.wire.UdpFabric;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** {@code kiln allreduce}: lossy and reliable allreduce across worker processes. */
@Command(name = "allreduce", mixinStandardHelpOptions = true,
        description = "Allreduce under packet loss (arXiv 2507.07114): lossy UDP against a TCP ring and Open MPI.",
        subcommands = {AllreduceCommand.Bench.class, AllreduceCommand.Worker.class})
final class AllreduceCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() { spec.commandLine().usage(System.out); }

    static long parseSize(String s) {
        String t = s.trim();
        long mult = 1;
        String[][] units = {{"GiB", "1073741824"}, {"MiB", "1048576"}, {"KiB", "1024"}, {"B", "1"}};
        for (String[] u : units) {
            if (t.endsWith(u[0])) {
                mult = Long.parseLong(u[1]);
                t = t.substring(0, t.length() - u[0].length()).trim();
                break;
            }
        }
        try {
            return Math.round(Double.parseDouble(t) * mult);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("size must look like 64MiB, 512KiB or 4096, was '" + s + "'");
        }
    }

    @Command(name = "bench", mixinStandardHelpOptions = true,
            description = "Launch N worker JVMs (or mpirun) and time allreduce; each rank in its own namespace on MTU-1500 veths to a bridge that drops frames i.i.d. (root).")
    static final class Bench implements Runnable {
        @Option(names = "--transport", split = ",", defaultValue = "udp", description = "udp, tcp, mpi, nccl; a comma list sweeps (default ${DEFAULT-VALUE})")
        List<String> transports;
        @Option(names = "--ranks", defaultValue = "4", description = "worker processes, 2..64 (default ${DEFAULT-VALUE})") int ranks;
        @Option(names = "--size", defaultValue = "64MiB", description = "bytes per rank: a number, optionally with B, KiB, MiB or GiB (default ${DEFAULT-VALUE})") String size;
        @Option(names = "--loss", split = ",", defaultValue = "0", description = "packet loss in [0,1) on the data ports; a comma list sweeps (default ${DEFAULT-VALUE})")
        List<Double> losses;
        @Option(names = "--policy", defaultValue = "rescale-by-count", description = "rescale-by-count, rescale-by-p, zero-fill, reliable (default ${DEFAULT-VALUE})")
        String policy;
        @Option(names = "--iters", defaultValue = "50", description = "timed iterations (default ${DEFAULT-VALUE})") int iters;
        @Option(names = "--warmup", defaultValue = "3", description = "untimed iterations first, for the JIT (default ${DEFAULT-VALUE})") int warmup;
        @Option(names = "--deadline-ms", description = "phase deadline of the lossy transport (default: 2 s + size / 20 MB/s)") Long deadlineMs;
        @Option(names = "--datagram", defaultValue = "1472", description = "largest UDP datagram in bytes, <= 1472 on the veth network; larger only with --no-netns, a loopback experiment (default ${DEFAULT-VALUE})") int datagram;
        @Option(names = "--no-netns", description = "run on the host loopback (only without loss)") boolean noNetns;
        @Option(names = "--timeout-s", defaultValue = "900", description = "give up on one run after this many seconds (default ${DEFAULT-VALUE})") long timeout;
        @Option(names = "--json", description = "print JSON instead of the table") boolean json;

        @Override
        public void run() {
            long bytes = parseSize(size);
            LossPolicy pol = LossPolicy.parse(policy);
            boolean netns = !noNetns && LossyNamespace.unavailabilityCause() == null;
            if (!netns && losses.stream().anyMatch(l -> l > 0)) {
                String why = noNetns ? "--no-netns was given" : LossyNamespace.unavailabilityCause();
                throw new IllegalArgumentException("real loss needs a network namespace with nftables: " + why);
            }
            if (netns && datagram > 1472) {
                throw new IllegalArgumentException("--datagram must be <= 1472 on the MTU-1500 veth network (larger ones are IP-fragmented, and one"
                        + " lost fragment loses them all), was " + datagram + "; larger datagrams are a loopback-only experiment: add --no-netns");
            }
            Duration deadline = Duration.ofMillis(deadlineMs != null ? deadlineMs : 2000 + bytes / 20_000);
            long rmemMax = UdpBuffers.rmemMax();
            // The GSO path run as root forces its buffer past rmem_max (SO_RCVBUFFORCE); only the others are capped.
            boolean forced = netns && UdpFabric.selected() == UdpFabric.Path.GSO;
            if (!json && !forced && transports.contains("udp") && rmemMax >= 0 && rmemMax < UdpBuffers.WANTED) {
                System.err.printf(Locale.ROOT, "kiln: net.core.rmem_max is %d bytes: UDP receive buffers are capped there, and a rank that is%n"
                        + "kiln: descheduled overflows them (counted as 'rcvbuf drops'); raise it with sysctl -w net.core.rmem_max=%d%n",
                        rmemMax, UdpBuffers.WANTED);
            }
            List<BenchResult> results = new ArrayList<>();
            List<String> unavailable = new ArrayList<>();
            for (String t : transports) {
                for (double loss : losses) {
                    BenchConfig cfg = new BenchConfig(t, ranks, bytes, loss, pol, iters, warmup, deadline, datagram, netns);
                    try {
                        if (!json) System.err.printf(Locale.ROOT, "kiln: allreduce %s, %d ranks, %s, loss %.3f ...%n", t, ranks, Table.bytes(bytes), loss);
                        results.add(BenchLauncher.run(cfg, timeout));
                    } catch (IllegalStateException e) {
                        if (!t.equals("nccl")) throw e;
                        unavailable.add(e.getMessage());
                    }
                }
            }
            if (json) {
                List<Map<String, Object>> rows = new ArrayList<>();
                for (BenchResult r : results) rows.add(row(r));
                Map<String, Object> out = new LinkedHashMap<>();
                out.put("results", rows);
                out.put("unavailable", unavailable);
                out.put("datagramPath", UdpFabric.describe());
                out.put("network", netns ? "veth MTU 1500 between namespaces, i.i.d. loss per frame at the bridge" : "host loopback");
                System.out.println(Json.write(out));
                return;
            }
            Table table = new Table("transport", "ranks", "size", "loss", "policy", "iters", "time(ms)", "algbw(GB/s)", "busbw(GB/s)",
                    "delivered", "p50(ms)", "p99(ms)", "max rel err", "nft drop/seen", "rcvbuf drops");
            for (BenchResult r : results) {
                BenchConfig c = r.config();
                table.row(c.transport(), c.ranks(), Table.bytes(c.bytes()), String.format(Locale.ROOT, "%.3f", c.loss()),
                        c.transport().equals("udp") ? c.policy().cliName() : "reliable", c.iters(),
                        String.format(Locale.ROOT, "%.1f", r.percentile(50)),
                        String.format(Locale.ROOT, "%.3f", r.algbw() / 1e9), String.format(Locale.ROOT, "%.3f", r.busbw() / 1e9),
                        String.format(Locale.ROOT, "%.4f", r.delivered()),
                        String.format(Locale.ROOT, "%.1f", r.percentile(50)), String.format(Locale.ROOT, "%.1f", r.percentile(99)),
                        String.format(Locale.ROOT, "%.2e", r.maxRelativeError()),
                        r.nftSeen() < 0 ? "-" : r.nftDropped() + "/" + r.nftSeen(),
                        r.udpReceiveBufferErrors() < 0 ? "-" : r.udpReceiveBufferErrors());
            }
            if (!results.isEmpty()) System.out.print(table);
            if (!results.isEmpty()) System.out.println("busbw = algbw * 2(n-1)/n on the bytes offered; time = median step (slowest rank), barrier before each step.");
            for (String u : unavailable) System.out.println(u);
            if (transports.contains("udp")) System.out.println("udp datagram path: " + UdpFabric.describe());
            System.out.println("network: " + (netns ? "each rank in its own namespace on a veth of MTU 1500 to one bridge; loss i.i.d. per frame at the bridge"
                    : "host loopback (MTU 64 KiB): no loss possible"));
        }

        private static Map<String, Object> row(BenchResult r) {
            Map<String, Object> m = new LinkedHashMap<>();
            BenchConfig c = r.config();
            m.put("transport", c.transport());
            m.put("ranks", c.ranks());
            m.put("bytes", c.bytes());
            m.put("loss", c.loss());
            m.put("policy", c.transport().equals("udp") ? c.policy().cliName() : "reliable");
            m.put("iters", c.iters());
            m.put("medianMillis", r.percentile(50));
            m.put("p99Millis", r.percentile(99));
            m.put("algbwGBps", r.algbw() / 1e9);
            m.put("busbwGBps", r.busbw() / 1e9);
            m.put("delivered", r.delivered());
            m.put("maxRelativeError", r.maxRelativeError());
            m.put("nftSeen", r.nftSeen());
            m.put("nftDropped", r.nftDropped());
            m.put("udpReceiveBufferErrors", r.udpReceiveBufferErrors());
            m.put("stepMillis", r.stepMillis());
            if (r.profile() != null) m.put("rank0Profile", r.profile());
            return m;
        }
    }

    @Command(name = "worker", hidden = true, description = "One rank of `allreduce bench` (started by the launcher).")
    static final class Worker implements Runnable {
        @Option(names = "--transport", required = true) String transport;
        @Option(names = "--size", required = true) long bytes;
        @Option(names = "--loss", defaultValue = "0") double loss;
        @Option(names = "--policy", defaultValue = "rescale-by-count") String policy;
        @Option(names = "--iters", defaultValue = "10") int iters;
        @Option(names = "--warmup", defaultValue = "2") int warmup;
        @Option(names = "--deadline-ms", defaultValue = "5000") long deadlineMs;
        @Option(names = "--datagram", defaultValue = "1472") int datagram;
        @Option(names = "--netns", defaultValue = "false", arity = "1") boolean netns;
        @Option(names = "--kill-rank", defaultValue = "-1") int killRank;
        @Option(names = "--kill-step", defaultValue = "-1") int killStep;

        @Override
        public void run() {
            int ranks = Integer.parseInt(System.getenv().getOrDefault("WORLD_SIZE", System.getenv().getOrDefault("OMPI_COMM_WORLD_SIZE", "2")));
            BenchConfig cfg = new BenchConfig(transport, ranks, bytes, loss, LossPolicy.parse(policy), iters, warmup,
                    Duration.ofMillis(deadlineMs), datagram, netns, killRank, killStep);
            BenchWorker.runAndReport(cfg);
        }
    }
}
