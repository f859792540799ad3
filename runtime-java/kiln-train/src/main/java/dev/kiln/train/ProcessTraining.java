package dev.kiln.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.collective.lossy.LossPolicy;
import dev.kiln.collective.lossy.LossyAllReduce;
import dev.kiln.collective.lossy.LossyOptions;
import dev.kiln.collective.lossy.UdpGroup;
import dev.kiln.collective.netlab.LossyNamespace;
import dev.kiln.collective.rendezvous.ControlChannel;
import dev.kiln.collective.rendezvous.LaunchEnvironment;
import dev.kiln.collective.rendezvous.WorkerJvm;
import dev.kiln.collective.tcp.TcpRingCommunicator;
import dev.kiln.collective.wire.Packet;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.IntConsumer;

/**
 * Data-parallel training with one JVM per worker, all inside a {@link LossyNamespace} whose nftables rules drop
 * each UDP datagram (and each TCP segment of the reliable path) with probability p: real loss, in the kernel.
 * Lossy policies sync over UDP ({@link UdpGroup}); {@code reliable} over the TCP ring, which retransmits what
 * nft drops. The rendezvous channel carries the metrics on a port outside the drop rules.
 *
 * <p>Workers are started through their entry point {@link TrainWorker} with torchrun-style variables; the same worker
 * also runs under {@code mpirun} or {@code torchrun} as {@code kiln train worker} (see {@link LaunchEnvironment}).
 */
public final class ProcessTraining implements TrainRunner {
    static final String STEP_PREFIX = "KILN-TRAIN-STEP ";
    static final String RESULT_PREFIX = "KILN-TRAIN-RESULT ";
    private static final ObjectMapper JSON = new ObjectMapper();
    private volatile double lastKernelDrop = Double.NaN;

    /** Null when this machine can run workers under real loss, else why not. */
    public static String unavailabilityCause() { return LossyNamespace.unavailabilityCause(); }

    @Override public String describe() { return "worker processes in a network namespace, UDP with real nft loss (TCP for reliable)"; }

    @Override public double lastKernelDropFraction() { return lastKernelDrop; }

    @Override
    public TrainCurve run(RunSpec spec, IntConsumer progress) throws IOException, InterruptedException {
        if (spec.lossFromStep() > 0) {
            throw new IllegalArgumentException("loss from step " + spec.lossFromStep() + " is in-process only (the nft rules drop from the start); use --transport inproc");
        }
        lastKernelDrop = Double.NaN;
        List<Process> children = new ArrayList<>();
        LossyNamespace ns = LossyNamespace.create("kiln-train-" + ProcessHandle.current().pid(), spec.loss(), spec.phases().phases());
        Thread cleanup = new Thread(() -> {
            children.forEach(Process::destroyForcibly);
            ns.close();
        }, "kiln-train-cleanup");
        Runtime.getRuntime().addShutdownHook(cleanup);
        try {
            Process rank0 = null;
            for (int r = 0; r < spec.workers(); r++) {
                List<String> cmd = new ArrayList<>(ns.exec());
                cmd.addAll(javaCommand());
                cmd.addAll(workerArgs(spec));
                ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT);
                if (r != 0) pb.redirectOutput(ProcessBuilder.Redirect.DISCARD);
                Map<String, String> env = pb.environment();
                env.put("RANK", Integer.toString(r));
                env.put("WORLD_SIZE", Integer.toString(spec.workers()));
                env.put("MASTER_ADDR", "127.0.0.1");
                env.put("MASTER_PORT", Integer.toString(LossyNamespace.CONTROL_PORT));
                Process p = pb.start();
                children.add(p);
                if (r == 0) rank0 = p;
            }
            String result = null;
            try (BufferedReader in = new BufferedReader(new InputStreamReader(rank0.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                    if (line.startsWith(STEP_PREFIX)) {
                        if (progress != null) progress.accept(Integer.parseInt(line.substring(STEP_PREFIX.length()).trim()));
                    } else if (line.startsWith(RESULT_PREFIX)) {
                        result = line.substring(RESULT_PREFIX.length());
                    } else {
                        System.err.println(line);
                    }
                }
            }
            for (int r = 0; r < children.size(); r++) {
                Process p = children.get(r);
                if (!p.waitFor(60, TimeUnit.SECONDS)) p.destroyForcibly();
                if (p.exitValue() != 0) throw new IllegalStateException("train worker " + r + " exited with status " + p.exitValue());
            }
            if (result == null) throw new IllegalStateException("train worker 0 finished without a result line");
            LossyNamespace.Counters c = ns.counters();
            long seen = spec.policy() == LossPolicy.RELIABLE ? c.tcpSeen() : c.udpSeen();
            long dropped = spec.policy() == LossPolicy.RELIABLE ? c.tcpDropped() : c.udpDropped();
            lastKernelDrop = seen == 0 ? Double.NaN : dropped / (double) seen;
            return JSON.readValue(result, TrainCurve.class);
        } finally {
            children.forEach(Process::destroyForcibly);
            ns.close();
            try {
                Runtime.getRuntime().removeShutdownHook(cleanup);
            } catch (IllegalStateException ignored) {
                // already shutting down
            }
        }
    }

    /** Everything a worker needs to rebuild the same {@link RunSpec}: the preset by name plus every override. */
    static List<String> workerArgs(RunSpec s) {
        TrainPreset p = s.preset();
        return List.of("--preset", p.name(), "--steps", Integer.toString(p.steps()),
                "--batch", Integer.toString(p.batch()), "--optimizer", p.optimizer().cliName(), "--lr", Double.toString(p.lr()),
                "--weight-decay", Double.toString(p.weightDecay()), "--sharding", p.sharding().cliName(),
                "--loss", Double.toString(s.loss()), "--policy", s.policy().cliName(), "--seed", Long.toString(s.seed()),
                "--loss-phase", s.phases().cliName(), "--broadcast-momentum", Double.toString(s.broadcastMomentum()));
    }

    /** The worker JVM: a small heap and the serial collector (workers are single-threaded), entry point {@link TrainWorker}. */
    static List<String> javaCommand() {
        return WorkerJvm.command(TrainWorker.class, List.of("-Xmx1g", "-XX:+UseSerialGC"));
    }

    /**
     * The body of {@code kiln train worker}: joins the job described by the environment, trains, and (rank 0)
     * prints one {@link #STEP_PREFIX} line per step and a {@link #RESULT_PREFIX} line with the curve as JSON.
     * Inside the namespace the data ports are the ones the nft rules drop; without it, any free port (no loss).
     */
    public static void worker(CharCorpus corpus, RunSpec spec, boolean inNamespace) throws IOException {
        LaunchEnvironment env = LaunchEnvironment.detect();
        if (env.worldSize() != spec.workers()) {
            throw new IllegalArgumentException("WORLD_SIZE = " + env.worldSize() + " but --workers = " + spec.workers());
        }
        DataParallelWorker worker = new DataParallelWorker(corpus, spec.preset(), spec.seed());
        int shard = DataParallelWorker.shardLength(worker.layout(), spec.workers());
        try (ControlChannel control = ControlChannel.connect(env, Duration.ofSeconds(300))) {
            MetricsChannel metrics = MetricsChannel.of(control);
            GradientSync sync;
            if (spec.policy() == LossPolicy.RELIABLE) {
                TcpRingCommunicator ring = new TcpRingCommunicator(control, "127.0.0.1", inNamespace ? LossyNamespace.TCP_PORT_BASE : 0);
                sync = new ReliableGradientSync(ring, metrics, shard);
            } else {
                LossyOptions options = spec.lossyOptions();
                int port = inNamespace ? LossyNamespace.UDP_PORT_BASE + env.rank() : 0;
                LossyAllReduce lossy = new UdpGroup("127.0.0.1", port, Packet.DEFAULT_DATAGRAM_BYTES, 4 << 20).join(control, options);
                sync = new LossyGradientSync(lossy, metrics, shard);
            }
            boolean report = env.rank() == 0;
            TrainCurve curve;
            try (sync) {
                curve = worker.run(sync, null, step -> {
                    if (report) System.out.println(STEP_PREFIX + step);
                });
            }
            if (report) System.out.println(RESULT_PREFIX + JSON.writeValueAsString(curve));
            System.out.flush();
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }
}
