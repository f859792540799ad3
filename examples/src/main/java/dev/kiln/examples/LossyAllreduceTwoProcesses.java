package dev.kiln.examples;

import dev.kiln.collective.lossy.AllReduceReport;
import dev.kiln.collective.lossy.LossyAllReduce;
import dev.kiln.collective.lossy.LossyOptions;
import dev.kiln.collective.lossy.UdpGroup;
import dev.kiln.collective.rendezvous.ControlChannel;
import dev.kiln.collective.rendezvous.LaunchEnvironment;
import dev.kiln.collective.rendezvous.WorkerJvm;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A lossy allreduce (sum) between two processes on this host over UDP. Run without a launcher, it starts the two
 * ranks itself with torchrun-style variables ({@code RANK}, {@code WORLD_SIZE}, {@code MASTER_ADDR},
 * {@code MASTER_PORT}); mpirun or srun could start them just as well. Each rank checks the sum it received.
 */
public final class LossyAllreduceTwoProcesses {
    private static final int ELEMENTS = 64 * 1024;

    public static void main(String[] args) throws Exception {
        LaunchEnvironment env = LaunchEnvironment.detect();
        if (env.worldSize() == 1) launchTwoRanks();
        else rank(env);
    }

    private static void rank(LaunchEnvironment env) {
        try (ControlChannel control = ControlChannel.connect(env, Duration.ofSeconds(60));
             LossyAllReduce group = new UdpGroup("127.0.0.1", 0, 1472, 4 << 20).join(control, LossyOptions.defaults());
             Arena arena = Arena.ofConfined()) {
            MemorySegment data = arena.allocate(ValueLayout.JAVA_FLOAT, ELEMENTS);
            for (int i = 0; i < ELEMENTS; i++) data.setAtIndex(ValueLayout.JAVA_FLOAT, i, (env.rank() + 1) * (i % 100));
            AllReduceReport report = group.allReduceSum(0, 1, data);
            int wrong = 0;
            for (int i = 0; i < ELEMENTS; i++) if (data.getAtIndex(ValueLayout.JAVA_FLOAT, i) != 3f * (i % 100)) wrong++;
            System.out.printf("rank %d of %d: %d floats summed, delivered %.4f, %d wrong%n",
                    env.rank(), env.worldSize(), ELEMENTS, report.deliveredFraction(), wrong);
            // Nothing is lost on loopback, so the sum must be exact; under loss the missing part would be rescaled.
            if (report.deliveredFraction() == 1.0 && wrong != 0) throw new AssertionError(wrong + " wrong sums with nothing lost");
        }
    }

    private static void launchTwoRanks() throws Exception {
        int port;
        try (ServerSocket probe = new ServerSocket(0)) {
            port = probe.getLocalPort();
        }
        List<Process> ranks = new ArrayList<>();
        for (int r = 0; r < 2; r++) {
            ProcessBuilder pb = new ProcessBuilder(WorkerJvm.command(LossyAllreduceTwoProcesses.class, List.of("-Xmx256m"))).inheritIO();
            pb.environment().putAll(java.util.Map.of("RANK", Integer.toString(r), "WORLD_SIZE", "2",
                    "MASTER_ADDR", "127.0.0.1", "MASTER_PORT", Integer.toString(port)));
            ranks.add(pb.start());
        }
        for (int r = 0; r < ranks.size(); r++) {
            Process p = ranks.get(r);
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                ranks.forEach(Process::destroyForcibly);
                throw new AssertionError("rank " + r + " did not finish in 120 s");
            }
            if (p.exitValue() != 0) throw new AssertionError("rank " + r + " exited with status " + p.exitValue());
        }
        System.out.println("both ranks agree on the sum");
    }
}
