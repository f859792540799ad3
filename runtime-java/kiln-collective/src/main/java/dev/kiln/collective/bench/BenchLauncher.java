package dev.kiln.collective.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.collective.netlab.LossyNamespace;
import dev.kiln.collective.netlab.VethNetwork;
import dev.kiln.collective.nccl.NcclTransport;
import dev.kiln.collective.rendezvous.WorkerJvm;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Starts the worker processes of one benchmark run: the same java and module path as this JVM, one
 * process per rank with torchrun-style variables (or one {@code mpirun} for the MPI transport). With
 * {@code netns} every rank runs in its own namespace of a {@link VethNetwork} (MTU-1500 veths to a bridge
 * that drops frames i.i.d.), for every transport alike; {@code mpirun} and its PMIx server run in the hub. Reads rank 0's result line; kills every child and
 * deletes the namespace on the way out, also on failure or Ctrl-C.
 */
public final class BenchLauncher {
    public static final String RESULT_PREFIX = "KILN-RESULT ";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final java.util.concurrent.atomic.AtomicInteger RUNS = new java.util.concurrent.atomic.AtomicInteger();

    private BenchLauncher() {}

    /** The arguments of {@link BenchWorker#main} that reproduce {@code cfg} (the rank count comes from the launch environment). */
    static List<String> workerArgs(BenchConfig cfg) {
        return List.of("--transport", cfg.transport(), "--size", Long.toString(cfg.bytes()),
                "--loss", Double.toString(cfg.loss()), "--policy", cfg.policy().cliName(), "--iters", Integer.toString(cfg.iters()),
                "--warmup", Integer.toString(cfg.warmup()), "--deadline-ms", Long.toString(cfg.phaseDeadline().toMillis()),
                "--datagram", Integer.toString(cfg.datagramBytes()), "--netns", Boolean.toString(cfg.netns()),
                "--kill-rank", Integer.toString(cfg.killRank()), "--kill-step", Integer.toString(cfg.killStep()));
    }

    static List<String> javaCommand() {
        return WorkerJvm.command(BenchWorker.class, List.of("-Xmx1200m", "-XX:+UseSerialGC"));
    }

    public static BenchResult run(BenchConfig cfg, long timeoutSeconds) {
        if (cfg.transport().equals("nccl") && !NcclTransport.isAvailable()) {
            throw new IllegalStateException("nccl transport unavailable: " + NcclTransport.unavailabilityCause());
        }
        if (cfg.loss() > 0 && !cfg.netns()) throw new IllegalArgumentException("loss > 0 needs the network namespace (real nft loss)");
        VethNetwork ns = null;
        List<Process> children = new ArrayList<>();
        Thread cleanup = null;
        try {
            if (cfg.netns()) ns = VethNetwork.create("kiln-ar" + ProcessHandle.current().pid() + "-" + RUNS.incrementAndGet(), cfg.ranks(), cfg.loss());
            VethNetwork nsFinal = ns;
            cleanup = new Thread(() -> {
                for (Process p : children) p.descendants().forEach(ProcessHandle::destroyForcibly);
                children.forEach(Process::destroyForcibly);
                if (nsFinal != null) nsFinal.close();
            }, "kiln-bench-cleanup");
            Runtime.getRuntime().addShutdownHook(cleanup);
            Process rank0;
            if (cfg.transport().equals("mpi")) {
                List<String> cmd = new ArrayList<>(ns != null ? ns.execHub() : List.of());
                String ifInclude = ns != null ? VethNetwork.SUBNET + ".0/24" : "lo";
                cmd.addAll(List.of("mpirun", "--allow-run-as-root", "--oversubscribe", "--bind-to", "none", "-np", Integer.toString(cfg.ranks()),
                        "--mca", "btl", "tcp,self", "--mca", "btl_tcp_if_include", ifInclude, "--mca", "oob_tcp_if_include", ns != null ? "br0" : "lo",
                        "--mca", "btl_tcp_port_min_v4", Integer.toString(LossyNamespace.MPI_PORT_BASE),
                        "--mca", "btl_tcp_port_range_v4", Integer.toString(LossyNamespace.PORT_RANGE)));
                if (ns != null) { // each rank enters its own namespace; mpirun's rank variable names it
                    String rankNs = ns.namespace(0).substring(0, ns.namespace(0).length() - 1);
                    cmd.addAll(List.of("sh", "-c", "exec ip netns exec " + rankNs + "$OMPI_COMM_WORLD_RANK \"$@\"", "kiln-rank"));
                }
                cmd.addAll(javaCommand());
                cmd.addAll(workerArgs(cfg));
                ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT);
                pb.environment().put("OMPI_MCA_opal_signal", "");
                if (ns != null) {
                    // PMIx clients reach mpirun over TCP: from another namespace only through the hub's bridge address.
                    pb.environment().put("PMIX_MCA_ptl_tcp_remote_connections", "1");
                    pb.environment().put("PMIX_MCA_ptl_tcp_if_include", "br0");
                }
                rank0 = pb.start();
                children.add(rank0);
            } else {
                rank0 = null;
                int port = LossyNamespace.CONTROL_PORT + (ns != null ? 0 : (int) (ProcessHandle.current().pid() % 5000));
                for (int r = 0; r < cfg.ranks(); r++) {
                    List<String> cmd = new ArrayList<>(ns != null ? ns.exec(r) : List.of());
                    cmd.addAll(javaCommand());
                    cmd.addAll(workerArgs(cfg));
                    ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT);
                    if (r != 0) pb.redirectOutput(ProcessBuilder.Redirect.DISCARD);
                    Map<String, String> env = pb.environment();
                    env.put("RANK", Integer.toString(r));
                    env.put("WORLD_SIZE", Integer.toString(cfg.ranks()));
                    env.put("MASTER_ADDR", ns != null ? VethNetwork.address(0) : "127.0.0.1");
                    env.put("MASTER_PORT", Integer.toString(port));
                    if (ns != null) env.put(BenchWorker.DATA_ADDRESS_VARIABLE, VethNetwork.address(r));
                    Process p = pb.start();
                    children.add(p);
                    if (r == 0) rank0 = p;
                }
            }
            String line = resultLine(rank0, timeoutSeconds);
            for (Process p : children) {
                if (!p.waitFor(30, TimeUnit.SECONDS)) p.destroyForcibly();
            }
            for (int r = 0; r < children.size(); r++) {
                if (children.get(r).exitValue() != 0 && !(cfg.killDrill() && r == cfg.killRank())) {
                    throw new IllegalStateException("worker " + r + " exited with status " + children.get(r).exitValue());
                }
            }
            LossyNamespace.Counters c = ns != null ? ns.counters() : null;
            JsonNode root = JSON.readTree(line);
            double[] steps = JSON.convertValue(root.get("stepMillis"), double[].class);
            @SuppressWarnings("unchecked")
            Map<String, Object> profile = root.has("profile") ? JSON.convertValue(root.get("profile"), Map.class) : null;
            boolean udp = cfg.transport().equals("udp");
            List<List<Integer>> unfinished = JSON.convertValue(root.get("unfinishedPeers"),
                    JSON.getTypeFactory().constructCollectionType(List.class, JSON.getTypeFactory().constructCollectionType(List.class, Integer.class)));
            return new BenchResult(cfg, steps, root.get("delivered").asDouble(), root.get("maxRelativeError").asDouble(),
                    c == null ? -1 : udp ? c.udpSeen() : c.tcpSeen(), c == null ? -1 : udp ? c.udpDropped() : c.tcpDropped(),
                    c == null ? -1 : c.udpReceiveBufferErrors(), profile, unfinished);
        } catch (IOException e) {
            throw new IllegalStateException("allreduce bench: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } finally {
            for (Process p : children) p.descendants().forEach(ProcessHandle::destroyForcibly);
            children.forEach(Process::destroyForcibly);
            if (ns != null) ns.close();
            if (cleanup != null) {
                try {
                    Runtime.getRuntime().removeShutdownHook(cleanup);
                } catch (IllegalStateException ignored) {
                    // already shutting down
                }
            }
        }
    }

    private static String resultLine(Process rank0, long timeoutSeconds) throws IOException, InterruptedException {
        String[] found = new String[1];
        Thread reader = Thread.ofPlatform().daemon().start(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(rank0.getInputStream(), StandardCharsets.UTF_8))) {
                String l;
                while ((l = r.readLine()) != null) {
                    if (l.startsWith(RESULT_PREFIX)) found[0] = l.substring(RESULT_PREFIX.length());
                    else System.err.println(l);
                }
            } catch (IOException ignored) {
                // the process ended
            }
        });
        if (!rank0.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            throw new IllegalStateException("allreduce bench: workers did not finish within " + timeoutSeconds + " s");
        }
        reader.join(5000);
        if (found[0] == null) throw new IllegalStateException("allreduce bench: rank 0 exited (" + rank0.exitValue() + ") without a result");
        return found[0];
    }
}
