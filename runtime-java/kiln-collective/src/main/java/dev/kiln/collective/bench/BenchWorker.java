package dev.kiln.collective.bench;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.collective.Communicator;
import dev.kiln.collective.lossy.AllReduceReport;
import dev.kiln.collective.lossy.LossPolicy;
import dev.kiln.collective.lossy.LossyAllReduce;
import dev.kiln.collective.lossy.LossyOptions;
import dev.kiln.collective.lossy.UdpGroup;
import dev.kiln.collective.mpi.MpiCommunicator;
import dev.kiln.collective.nccl.NcclCommunicator;
import dev.kiln.device.Backend;
import dev.kiln.device.Device;
import dev.kiln.device.Devices;
import dev.kiln.collective.netlab.LossyNamespace;
import dev.kiln.collective.rendezvous.ControlChannel;
import dev.kiln.collective.rendezvous.LaunchEnvironment;
import dev.kiln.collective.rendezvous.ReachableAddress;
import dev.kiln.collective.rendezvous.WorkerArgs;
import dev.kiln.collective.tcp.TcpRingCommunicator;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.Map;
import java.util.function.Consumer;

/**
 * One rank of {@code kiln allreduce bench}, run in its own JVM by the launcher (or by mpirun) through
 * {@link #main}, the typed entry point that {@link BenchLauncher} starts. Every
 * iteration refills the input, meets the others at a barrier, and times one allreduce (sum). Rank 0
 * returns the gathered result; other ranks return null.
 */
public final class BenchWorker {
    /** The address a rank binds its data sockets to (its veth address in the lab); loopback when unset. */
    public static final String DATA_ADDRESS_VARIABLE = "KILN_DATA_ADDRESS";

    /**
     * SO_RCVBUF asked per rank (forced past rmem_max where root): a 64 MiB allreduce sends each rank 48 MiB per
     * phase, and a rank descheduled on a 2-core machine must not lose it to a full queue.
     */
    static final int RECEIVE_BUFFER_BYTES = 128 << 20;

    private BenchWorker() {}

    /**
     * Entry point of a worker process: the arguments {@link BenchLauncher#workerArgs} wrote, the rank count from the
     * launch environment; rank 0 prints the result line. Optional: {@code --iface NAME} (the data sockets' interface),
     * {@code --progress true} (human-readable lines on stderr). A bad argument exits with status 2 and one line naming it.
     */
    public static void main(String[] args) {
        BenchConfig cfg;
        String iface;
        boolean progress;
        try {
            WorkerArgs a = WorkerArgs.parse(args);
            cfg = new BenchConfig(a.get("transport"), LaunchEnvironment.detect().worldSize(), a.get("size", ByteSize::parse),
                    a.get("loss", Double::parseDouble), a.get("policy", LossPolicy::parse), a.get("iters", Integer::parseInt),
                    a.get("warmup", Integer::parseInt), Duration.ofMillis(a.get("deadline-ms", Long::parseLong)),
                    a.get("datagram", Integer::parseInt), a.get("netns", Boolean::parseBoolean),
                    a.get("kill-rank", Integer::parseInt, -1), a.get("kill-step", Integer::parseInt, -1));
            iface = a.get("iface", s -> s, null);
            progress = a.get("progress", Boolean::parseBoolean, false);
            requireRealLoss(cfg);
        } catch (IllegalArgumentException e) {
            System.err.println("allreduce worker: " + e.getMessage());
            System.exit(2);
            return;
        }
        Map<String, Object> out = run(cfg, iface, progress ? line -> System.err.println("allreduce worker: " + line) : null);
        if (out != null) System.out.println(resultLine(out));
        System.out.flush();
    }

    /**
     * Loss comes from the nft rules of a network namespace; a worker outside one would run lossless while its
     * output claimed a loss rate, so {@code loss > 0} without {@code netns} is refused.
     */
    public static void requireRealLoss(BenchConfig cfg) { requireRealLoss(cfg.loss(), cfg.netns()); }

    /** As {@link #requireRealLoss(BenchConfig)}, before a config exists. */
    public static void requireRealLoss(double loss, boolean netns) {
        if (loss > 0 && !netns) {
            throw new IllegalArgumentException("--loss " + loss + " needs --netns true: the drops come from the nft rules of the "
                    + "network namespace the ranks run in (kiln allreduce bench sets one up); without one nothing would be dropped");
        }
    }

    /** {@link BenchLauncher#RESULT_PREFIX} and the result as one line of JSON: what the launcher reads from rank 0. */
    public static String resultLine(Map<String, Object> out) {
        try {
            return BenchLauncher.RESULT_PREFIX + new ObjectMapper().writeValueAsString(out);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("allreduce worker: cannot write the result as JSON: " + e.getMessage(), e);
        }
    }

    /** Runs one rank on the address that routes to the master; rank 0 prints {@link #resultLine}. */
    public static void runAndReport(BenchConfig cfg) {
        Map<String, Object> out = run(cfg);
        if (out != null) System.out.println(resultLine(out));
        System.out.flush();
    }

    /**
     * Rank r's input: 1 + a 16-bit hash of (rank, i) in 256ths, so elements and ranks almost never share a value (a result
     * shifted, or a chunk delivered to the wrong place, does not match), with sums exact in fp32 (under 2^24 256ths
     * for up to 128 ranks: 128 × 257 × 256 < 2^24).
     */
    static float input(int rank, long i) {
        long h = (i * 0x9E3779B97F4A7C15L) ^ ((rank + 1) * 0xC2B2AE3D27D4EB4FL);
        h ^= h >>> 29;
        h *= 0xBF58476D1CE4E5B9L;
        return 1 + (float) ((h >>> 48) & 0xFFFF) / 256f;
    }

    static float exactSum(int ranks, long i) {
        float sum = 0;
        for (int r = 0; r < ranks; r++) sum += input(r, i); // exact: multiples of 1/256 below 2^16 (128 ranks)
        return sum;
    }

    public static Map<String, Object> run(BenchConfig cfg) { return run(cfg, null, null); }

    /**
     * The address this rank's data sockets bind and publish: {@code KILN_DATA_ADDRESS} when the bench launcher
     * assigned one (its veth address in the lab), else {@code iface}, {@code KILN_IFACE} or the route to the
     * master ({@link ReachableAddress}).
     */
    static String dataAddress(LaunchEnvironment env, String iface) {
        String assigned = System.getenv(DATA_ADDRESS_VARIABLE);
        if (assigned != null && !assigned.isBlank()) return assigned.trim();
        return ReachableAddress.resolve(env, iface).getHostAddress();
    }

    /**
     * Runs one rank of the job the environment describes, its data sockets bound at the address of {@code iface}
     * (null: {@code KILN_IFACE}, else the route to the master). {@code progress} (may be null) gets a few
     * human-readable lines: where the rank joined, and each tenth of the iterations.
     */
    public static Map<String, Object> run(BenchConfig cfg, String iface, Consumer<String> progress) {
        LaunchEnvironment env = LaunchEnvironment.detect();
        String bindHost = cfg.transport().equals("mpi") ? null : dataAddress(env, iface);
        ControlChannel control = null;
        Communicator comm = null;
        LossyAllReduce lossy = null;
        MpiCommunicator mpi = null;
        switch (cfg.transport()) {
            case "udp" -> {
                control = ControlChannel.connect(env, Duration.ofSeconds(60));
                int port = cfg.netns() ? LossyNamespace.UDP_PORT_BASE + env.rank() : 0;
                LossyOptions opt = LossyOptions.defaults().withPolicy(cfg.policy()).withPhaseDeadline(cfg.phaseDeadline())
                        .withAssumedLossRate(cfg.loss());
                lossy = new UdpGroup(bindHost, port, cfg.datagramBytes(), RECEIVE_BUFFER_BYTES).join(control, opt);
            }
            case "tcp" -> {
                control = ControlChannel.connect(env, Duration.ofSeconds(60));
                comm = new TcpRingCommunicator(control, bindHost, cfg.netns() ? LossyNamespace.TCP_PORT_BASE : 0);
            }
            case "mpi" -> comm = mpi = new MpiCommunicator();
            case "nccl" -> { // host data staged through this rank's CUDA device (LOCAL_RANK modulo the devices)
                control = ControlChannel.connect(env, Duration.ofSeconds(60));
                Backend cuda = Devices.backend("cuda");
                Device gpu = cuda.open(env.localRank() % cuda.devices().size());
                try {
                    comm = NcclCommunicator.owning(gpu.queue(), control, gpu);
                } catch (RuntimeException e) {
                    gpu.close();
                    throw e;
                }
            }
            default -> throw new IllegalArgumentException("transport " + cfg.transport() + " has no worker");
        }
        int rank = lossy != null ? lossy.rank() : comm.rank();
        int size = lossy != null ? lossy.size() : comm.size();
        // every rank's data address, so a rank that stops answering can be named with its host
        List<String> rankHosts = new ArrayList<>();
        if (control != null) {
            for (byte[] b : control.allGather(bindHost.getBytes(java.nio.charset.StandardCharsets.UTF_8))) {
                rankHosts.add(new String(b, java.nio.charset.StandardCharsets.UTF_8));
            }
        }
        long n = cfg.bytes() / Float.BYTES;
        int total = cfg.warmup() + cfg.iters();
        double[] millis = new double[cfg.iters()];
        double delivered = 0;
        double maxErr = 0;
        List<List<Integer>> unfinished = new ArrayList<>();
        boolean drill = cfg.killDrill();
        if (progress != null) {
            progress.accept(String.format(java.util.Locale.ROOT, "rank %d of %d (%s, master %s:%d) joined over %s%s", rank, size, env.launcher(),
                    env.masterAddr(), env.masterPort(), cfg.transport(), bindHost == null ? "" : " at " + bindHost));
        }
        try (Arena arena = Arena.ofShared()) {
            MemorySegment data = arena.allocate(cfg.bytes(), 64);
            for (int it = 0; it < total; it++) {
                for (long i = 0; i < n; i++) data.setAtIndex(ValueLayout.JAVA_FLOAT, i, input(rank, i));
                if (drill && rank == cfg.killRank() && it == cfg.killStep()) Runtime.getRuntime().halt(137); // as kill -9
                if (!drill) { // in the drill the survivors must not depend on the dead rank, so no barriers
                    if (control != null) control.barrier();
                    else mpi.barrier();
                }
                long t0 = System.nanoTime();
                if (lossy != null) {
                    AllReduceReport rep = lossy.allReduceSum(it, 1, data);
                    if (it >= cfg.warmup()) {
                        delivered += rep.deliveredFraction();
                        Set<Integer> late = new TreeSet<>(rep.reduceScatter().unfinishedPeers());
                        late.addAll(rep.allGather().unfinishedPeers());
                        unfinished.add(new ArrayList<>(late));
                        if (progress != null && !late.isEmpty()) {
                            List<String> named = new ArrayList<>();
                            for (int peer : late) named.add("rank " + peer + (rankHosts.isEmpty() ? "" : " at " + rankHosts.get(peer)));
                            progress.accept("iteration " + (it + 1) + ": " + String.join(", ", named) + " did not finish by the phase deadline");
                        }
                    }
                } else {
                    comm.allReduceSum(data);
                }
                long t1 = System.nanoTime();
                if (it >= cfg.warmup()) millis[it - cfg.warmup()] = (t1 - t0) / 1e6;
                if (progress != null && ((it + 1) * 10L / total != it * 10L / total || it + 1 == total)) {
                    progress.accept(String.format(java.util.Locale.ROOT, "iteration %d of %d%s: %.2f ms", it + 1, total,
                            it < cfg.warmup() ? " (warm-up)" : "", (t1 - t0) / 1e6));
                }
            }
            for (long i = 0; i < n; i++) { // the whole result, every element against its exact sum
                float exact = exactSum(size, i);
                maxErr = Math.max(maxErr, Math.abs(data.getAtIndex(ValueLayout.JAVA_FLOAT, i) - exact) / exact);
            }
        }
        double[] mine = new double[millis.length + 2];
        System.arraycopy(millis, 0, mine, 0, millis.length);
        mine[millis.length] = lossy != null ? delivered / cfg.iters() : 1.0;
        mine[millis.length + 1] = maxErr;
        double[] worst = new double[mine.length];
        double deliveredMean = 0;
        if (drill) {
            worst = mine; // the group is broken on purpose: each survivor reports what it saw itself
            deliveredMean = mine[millis.length];
        } else if (control != null) {
            byte[][] all = control.allGather(bytes(mine));
            for (byte[] b : all) {
                double[] d = doubles(b);
                for (int i = 0; i < d.length; i++) worst[i] = Math.max(worst[i], d[i]);
                deliveredMean += d[millis.length] / size;
            }
        } else {
            MemorySegment seg = MemorySegment.ofArray(mine.clone());
            mpi.allReduceMaxDouble(seg);
            worst = seg.toArray(ValueLayout.JAVA_DOUBLE);
            deliveredMean = 1.0;
        }
        Map<String, Object> out = null;
        if (rank == 0) {
            out = new LinkedHashMap<>();
            double[] steps = new double[cfg.iters()];
            System.arraycopy(worst, 0, steps, 0, steps.length);
            out.put("stepMillis", steps);
            out.put("delivered", deliveredMean);
            out.put("maxRelativeError", worst[millis.length + 1]);
            if (lossy != null) out.put("profile", lossy.profile().toJson());
            out.put("unfinishedPeers", unfinished);
            out.put("rankHosts", rankHosts);
        }
        if (lossy != null) {
            if (Boolean.getBoolean("kiln.profile")) System.err.print(lossy.profile());
            lossy.close();
        }
        if (comm != null) comm.close();
        if (control != null) control.close();
        return out;
    }

    private static byte[] bytes(double[] d) {
        ByteBuffer b = ByteBuffer.allocate(d.length * 8);
        for (double v : d) b.putDouble(v);
        return b.array();
    }

    private static double[] doubles(byte[] b) {
        ByteBuffer bb = ByteBuffer.wrap(b);
        double[] d = new double[b.length / 8];
        for (int i = 0; i < d.length; i++) d[i] = bb.getDouble();
        return d;
    }
}
