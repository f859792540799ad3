package dev.kiln.cli;

import dev.kiln.attention.KvDtype;
import dev.kiln.attention.helix.HelixMapping;
import dev.kiln.attention.model.HelixDecoder;
import dev.kiln.attention.model.ModelShape;
import dev.kiln.collective.lossy.AllReduceReport;
import dev.kiln.collective.lossy.LossyAllReduce;
import dev.kiln.collective.lossy.LossyOptions;
import dev.kiln.collective.lossy.UdpGroup;
import dev.kiln.collective.netlab.LossyNamespace;
import dev.kiln.collective.rendezvous.ControlChannel;
import dev.kiln.collective.rendezvous.LaunchEnvironment;
import dev.kiln.device.Device;
import dev.kiln.device.Devices;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The soak benchmark ({@code scripts/soak.sh}): many lossy all-reduce steps over real UDP with real loss (nftables in
 * a network namespace drops the datagrams), then many Helix decode steps, with the process's resident memory, the
 * JVM's native memory (NMT) and its open file descriptors taken before and after each part. A leak of a socket, an
 * arena or a thread per step shows as growth; a hang shows as a part that does not finish within its bound.
 *
 * <p>{@code SoakBench [allreduceSteps] [decodeSteps] [loss]}: the parent creates the namespace and runs itself
 * inside it ({@code --inside}), then reads the namespace's drop counters.
 */
public final class SoakBench {
    private static final int RANKS = 4, FLOATS = 4096;
    private static final String NAMESPACE = "kiln-soak";
    private static long kvInUseKiB;

    private SoakBench() {}

    public static void main(String[] args) throws Exception {
        boolean inside = args.length > 0 && args[0].equals("--inside");
        String[] a = inside ? java.util.Arrays.copyOfRange(args, 1, args.length) : args;
        int allreduceSteps = a.length > 0 ? Integer.parseInt(a[0]) : 10_000;
        int decodeSteps = a.length > 1 ? Integer.parseInt(a[1]) : 1_000;
        double loss = a.length > 2 ? Double.parseDouble(a[2]) : 0.1;
        if (inside) {
            soak(allreduceSteps, decodeSteps, loss);
            return;
        }
        List<String> self = new ArrayList<>(ProcessHandle.current().info().arguments().map(List::of).orElseThrow());
        int main = self.indexOf("-m");
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElseThrow());
        cmd.addAll(self.subList(0, main + 2));
        cmd.add("--inside");
        cmd.addAll(List.of(a));
        try (LossyNamespace ns = LossyNamespace.create(NAMESPACE, loss)) {
            List<String> full = new ArrayList<>(ns.exec());
            full.addAll(cmd);
            Process p = new ProcessBuilder(full).inheritIO().start();
            long bound = 2L * allreduceSteps + 2L * decodeSteps + 300; // seconds: a hang fails the soak instead of lasting forever
            if (!p.waitFor(bound, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException("soak did not finish in " + bound + " s");
            }
            LossyNamespace.Counters c = ns.counters();
            System.out.printf(Locale.ROOT, "nftables: %d UDP datagrams seen, %d dropped (%.4f); exit %d%n",
                    c.udpSeen(), c.udpDropped(), c.udpDropFraction(), p.exitValue());
            if (p.exitValue() != 0) System.exit(p.exitValue());
        }
    }

    /**
     * Start, after a warm-up (class loading, JIT, pools and buffers at their working size: one-time costs), and end of
     * each part. Growth from the warm-up snapshot to the end is what a per-step leak would show.
     */
    private static void soak(int allreduceSteps, int decodeSteps, double loss) throws Exception {
        System.out.println("start                          " + Snapshot.take());
        int warm = Math.max(1, allreduceSteps / 10);
        double d0 = allreduce(warm, loss);
        System.out.printf(Locale.ROOT, "after %,6d all-reduce warm-up  %s (delivered %.4f)%n", warm, Snapshot.take(), d0);
        double d1 = allreduce(allreduceSteps, loss);
        System.out.printf(Locale.ROOT, "after %,6d all-reduce steps   %s (delivered %.4f)%n", allreduceSteps, Snapshot.take(), d1);
        decode(decodeSteps);
        System.out.printf(Locale.ROOT, "after %,6d decode steps       %s (KV in use %,d KiB)%n", decodeSteps, Snapshot.take(), kvInUseKiB);
        System.out.println("NMT growth by category since the decode warm-up (|change| >= 256 KiB):");
        Snapshot.nmtGrowth(256).forEach(line -> System.out.println("  " + line));
    }

    /** Four ranks as threads of this process, each with its own UDP socket and control connection. Returns the mean delivered fraction. */
    private static double allreduce(int steps, double loss) throws Exception {
        int controlPort = LossyNamespace.CONTROL_PORT;
        LossyOptions options = LossyOptions.defaults().withPhaseDeadline(Duration.ofMillis(20)).withAssumedLossRate(loss);
        long t0 = System.nanoTime();
        try (ExecutorService pool = Executors.newFixedThreadPool(RANKS)) {
            List<Future<Double>> ranks = new ArrayList<>();
            for (int r = 0; r < RANKS; r++) {
                int rank = r;
                ranks.add(pool.submit(() -> {
                    ControlChannel control = ControlChannel.connect(new LaunchEnvironment("soak", rank, RANKS, "127.0.0.1", controlPort), Duration.ofSeconds(30));
                    double sum = 0;
                    try (control; Arena arena = Arena.ofConfined()) {
                        LossyAllReduce lossy = new UdpGroup("127.0.0.1", LossyNamespace.UDP_PORT_BASE + rank, 1472, 4 << 20).join(control, options);
                        try {
                            MemorySegment data = arena.allocate(ValueLayout.JAVA_FLOAT, FLOATS);
                            for (int step = 0; step < steps; step++) {
                                for (int i = 0; i < FLOATS; i++) data.setAtIndex(ValueLayout.JAVA_FLOAT, i, rank + 1);
                                AllReduceReport rep = lossy.allReduceSum(step, 1, data);
                                sum += rep.deliveredFraction();
                                if (rank == 0 && (step + 1) % 1000 == 0) {
                                    System.out.printf(Locale.ROOT, "  step %d, %.1f s%n", step + 1, (System.nanoTime() - t0) / 1e9);
                                }
                            }
                        } finally {
                            lossy.close();
                        }
                    }
                    return sum / steps;
                }));
            }
            double mean = 0;
            for (Future<Double> f : ranks) mean += f.get(2L * steps + 60, TimeUnit.SECONDS) / RANKS;
            return mean;
        }
    }

    private static void decode(int steps) {
        ModelShape s = ModelShape.named("test-gqa");
        HelixMapping m = HelixMapping.of(2, 2, s.qHeads(), s.kvHeads()).withFfnGrid(4, 1);
        HelixDecoder.Config c = new HelixDecoder.Config(s, m, KvDtype.FP32, 16, 2, 2, true, 0, 1, steps + 1);
        long t0 = System.nanoTime();
        try (Device dev = Devices.open("cpu"); HelixDecoder d = new HelixDecoder(dev, c)) {
            int[] tokens = {1, 2};
            for (int step = 0; step < steps; step++) {
                if (step > 0 && step % Math.max(1, steps / 4) == 0 || step == steps / 10) {
                    try {
                        if (step == steps / 10) Snapshot.jcmd("VM.native_memory", "baseline");
                        System.out.printf(Locale.ROOT, "after %,6d decode steps       %s (KV in use %,d KiB)%n", step, Snapshot.take(), d.kvBytes() >> 10);
                    } catch (IOException | InterruptedException e) {
                        throw new IllegalStateException("snapshot failed: " + e, e);
                    }
                }
                float[] logits = d.step(tokens);
                for (int b = 0; b < 2; b++) tokens[b] = HelixDecoder.argmax(logits, b, s.vocab());
                if ((step + 1) % 250 == 0) System.out.printf(Locale.ROOT, "  decode step %d, %.1f s%n", step + 1, (System.nanoTime() - t0) / 1e9);
            }
            kvInUseKiB = d.kvBytes() >> 10; // the KV the last step read: RSS grows by this as the cache's pages are first written
        }
    }

    /** Resident set and threads (from /proc), NMT's committed total less the Java heap (from jcmd), open descriptors by kind. */
    record Snapshot(long rssKiB, long nmtCommittedKiB, long heapUsedKiB, long fds, java.util.Map<String, Long> fdKinds, long threads) {
        static Snapshot take() throws IOException, InterruptedException {
            System.gc();
            String status = Files.readString(Path.of("/proc/self/status"));
            Matcher rss = Pattern.compile("VmRSS:\\s+(\\d+) kB").matcher(status);
            long rssKiB = rss.find() ? Long.parseLong(rss.group(1)) : -1;
            Matcher th = Pattern.compile("Threads:\\s+(\\d+)").matcher(status);
            long threads = th.find() ? Long.parseLong(th.group(1)) : -1; // every JVM thread, not one thread group's
            java.util.Map<String, Long> kinds = new java.util.TreeMap<>();
            try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
                for (Path fd : s.toList()) {
                    String target;
                    try {
                        target = Files.readSymbolicLink(fd).toString();
                    } catch (IOException e) {
                        continue; // the listing's own descriptor, closed by now
                    }
                    String kind = target.startsWith("/") ? "file" : target.replaceFirst("[:\\[].*", "");
                    kinds.merge(kind, 1L, Long::sum);
                }
            }
            long fds = kinds.values().stream().mapToLong(Long::longValue).sum();
            long nmt = nmtCommitted();
            Runtime rt = Runtime.getRuntime();
            long heapUsedKiB = (rt.totalMemory() - rt.freeMemory()) >> 10; // after the System.gc() above: live objects
            return new Snapshot(rssKiB, nmt, heapUsedKiB, fds, kinds, threads);
        }

        /** Runs {@code jcmd <this pid> args...} and returns its output. */
        static String jcmd(String... args) throws IOException, InterruptedException {
            List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                    Long.toString(ProcessHandle.current().pid())));
            cmd.addAll(List.of(args));
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS)) p.destroyForcibly();
            return out;
        }

        /** NMT categories whose committed memory changed by at least {@code minKiB} since the last baseline. */
        static List<String> nmtGrowth(long minKiB) throws IOException, InterruptedException {
            Matcher m = Pattern.compile("-\\s+([A-Za-z][A-Za-z ]*?) \\(reserved=\\d+KB(?: [+-]\\d+KB)?, committed=(\\d+)KB ([+-]\\d+)KB\\)")
                    .matcher(jcmd("VM.native_memory", "summary.diff"));
            List<String> lines = new ArrayList<>();
            while (m.find()) {
                long change = Long.parseLong(m.group(3));
                if (Math.abs(change) >= minKiB) lines.add(String.format(Locale.ROOT, "%-22s committed %,9d KiB (%+,d KiB)", m.group(1), Long.parseLong(m.group(2)), change));
            }
            return lines;
        }

        private static long nmtCommitted() throws IOException, InterruptedException {
            String out = jcmd("VM.native_memory", "summary");
            Matcher m = Pattern.compile("Total: reserved=(\\d+)KB, committed=(\\d+)KB").matcher(out);
            Matcher heap = Pattern.compile("Java Heap \\(reserved=(\\d+)KB, committed=(\\d+)KB\\)").matcher(out);
            if (!m.find() || !heap.find()) return -1; // NMT off (run with -XX:NativeMemoryTracking=summary)
            // Without the Java heap, which grows and shrinks with the GC's sizing: what is left is native memory.
            return Long.parseLong(m.group(2)) - Long.parseLong(heap.group(2));
        }

        @Override
        public String toString() {
            return String.format(Locale.ROOT, "RSS %,d KiB, NMT non-heap %,d KiB, heap live %,d KiB, fds %d %s, threads %d",
                    rssKiB, nmtCommittedKiB, heapUsedKiB, fds, fdKinds, threads);
        }
    }
}
