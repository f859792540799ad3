package dev.kiln.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.collective.lossy.LossPolicy;
import dev.kiln.collective.netlab.SimulatedHosts;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Training across two simulated hosts (network namespaces on a bridge, see {@link SimulatedHosts}), two worker JVMs
 * each, launched with torchrun's variables and MASTER_ADDR on the other host: the lossy UDP path at zero loss must
 * learn, and its curve must equal the reliable in-process run of the same seed. Root only; skipped with the reason.
 */
class TrainAcrossHostsTest {
    private static final int HOSTS = 2, PER_HOST = 2, WORKERS = HOSTS * PER_HOST;

    @Test
    void tinyPresetLearnsOverTwoHostsAndEqualsTheInProcessRun() throws Exception {
        String cause = SimulatedHosts.unavailabilityCause();
        Assumptions.assumeTrue(cause == null, "training across simulated hosts skipped: " + cause);
        long seed = System.nanoTime();
        RunSpec spec = new RunSpec(TrainPreset.TINY.withSteps(25), WORKERS, 0.0, LossPolicy.RESCALE_BY_COUNT, seed);
        TrainCurve reference = InProcessTraining.run(CharCorpus.kingJames(),
                new RunSpec(spec.preset(), WORKERS, 0.0, LossPolicy.RELIABLE, seed), null).curve();

        Path dir = Files.createTempDirectory("kiln-train-hosts-");
        List<Process> ranks = new ArrayList<>();
        try (SimulatedHosts hosts = SimulatedHosts.create(HOSTS)) {
            for (int r = 0; r < WORKERS; r++) {
                List<String> cmd = new ArrayList<>(ProcessTraining.javaCommand());
                cmd.addAll(ProcessTraining.workerArgs(spec));
                cmd.addAll(List.of("--netns", "false"));
                ProcessBuilder pb = new ProcessBuilder(hosts.exec(r / PER_HOST, cmd))
                        .redirectOutput(dir.resolve(r + ".out").toFile()).redirectError(dir.resolve(r + ".err").toFile());
                Map<String, String> env = pb.environment();
                env.keySet().removeIf(k -> k.startsWith("OMPI_") || k.startsWith("SLURM_") || k.startsWith("MASTER_")
                        || List.of("RANK", "WORLD_SIZE", "LOCAL_RANK", "LOCAL_WORLD_SIZE", "KILN_IFACE").contains(k));
                env.putAll(Map.of("RANK", Integer.toString(r), "WORLD_SIZE", Integer.toString(WORKERS), "LOCAL_RANK", Integer.toString(r % PER_HOST),
                        "LOCAL_WORLD_SIZE", Integer.toString(PER_HOST), "MASTER_ADDR", SimulatedHosts.address(0), "MASTER_PORT", "29500"));
                ranks.add(pb.start());
            }
            long giveUp = System.nanoTime() + TimeUnit.SECONDS.toNanos(240);
            for (int r = 0; r < WORKERS; r++) {
                if (!ranks.get(r).waitFor(Math.max(1, giveUp - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                    fail("seed " + seed + ": worker " + r + " did not finish within 240 s: " + Files.readString(dir.resolve(r + ".err")));
                }
                assertEquals(0, ranks.get(r).exitValue(), "seed " + seed + ": worker " + r + " failed: " + Files.readString(dir.resolve(r + ".err")));
            }
            String line = Files.readAllLines(dir.resolve("0.out")).stream().filter(l -> l.startsWith(ProcessTraining.RESULT_PREFIX))
                    .findFirst().orElse(null);
            assertNotNull(line, "seed " + seed + ": worker 0 printed no result line");
            TrainCurve curve = new ObjectMapper().readValue(line.substring(ProcessTraining.RESULT_PREFIX.length()), TrainCurve.class);
            double initial = curve.points().getFirst().validationLoss();
            System.out.printf("training over 2 simulated hosts x 2 ranks, seed %d: validation loss %.4f -> %.4f (in-process %.4f), delivered %.4f%n",
                    seed, initial, curve.finalValidationLoss(), reference.finalValidationLoss(), curve.deliveredFraction());
            assertEquals(1.0, curve.deliveredFraction(), "seed " + seed);
            assertTrue(curve.finalValidationLoss() < 0.85 * initial, "seed " + seed + ": did not learn: " + initial + " -> " + curve.finalValidationLoss());
            assertEquals(reference.finalValidationLoss(), curve.finalValidationLoss(), 1e-9, "seed " + seed + ": differs from the in-process run");
        } finally {
            ranks.forEach(Process::destroyForcibly);
            try (var files = Files.list(dir)) {
                for (Path f : files.toList()) Files.deleteIfExists(f);
            }
            Files.deleteIfExists(dir);
        }
    }
}
