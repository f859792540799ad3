package dev.kiln.inference;

import dev.kiln.collective.netlab.SimulatedHosts;
import dev.kiln.inference.model.GenerateRankWorker;
import dev.kiln.inference.quant.Activations;
import dev.kiln.inference.tensor.TensorType;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * {@code generate}'s Helix ranks as processes on two simulated hosts (network namespaces on a bridge, see
 * {@link SimulatedHosts}) × 2 ranks: the tiny Llama GGUF of {@link LlamaProcessRanksTest} generates greedily as KVP 2
 * × TPA 2, ranks 0 and 1 on host 0 (198.18.0.1), 2 and 3 on host 1, so that both KVP groups ({0, 2} and {1, 3}) and
 * the world ring cross between the hosts while each group's KVP rank 0 runs on rank 0's host, as
 * {@code HelixProcessGroups} requires. Three times: with torchrun's variables and MASTER_ADDR as host 0's address; with
 * srun's, rank 0's host taken from the node list; with mpirun's and {@code -x MASTER_ADDR=} host 0's name. That name
 * is one host 0 resolves to 127.0.1.1 (Debian's line) and host 1 to 198.18.0.1, so rank 0 and the second KVP group's
 * master (rank 1) must listen on host 0's interfaces and publish 198.18.0.1, not loopback. Every rank's tokens and logits must be one rank's in process, as on loopback
 * ({@link RankProcesses#assertSameAsOneRank}). Root only; skipped with the reason otherwise.
 */
class LlamaAcrossHostsTest {
    static final int KVP = 2, TPA = 2, HOSTS = 2, PER_HOST = KVP * TPA / HOSTS;

    @Test
    void greedy_generation_across_two_simulated_hosts_equals_one_rank(@TempDir Path dir) throws Exception {
        String cause = SimulatedHosts.unavailabilityCause();
        Assumptions.assumeTrue(cause == null, "generate across simulated hosts skipped: " + cause);
        Path gguf = LlamaCheckpointTest.build(TensorType.Q8_0, dir).gguf();
        List<GenerateRankWorker.Step> want = RankProcesses.oneRank(gguf, Activations.FP32, LlamaProcessRanksTest.PROMPT, LlamaProcessRanksTest.TOKENS);
        assertEquals(LlamaProcessRanksTest.TOKENS, want.size());
        try (SimulatedHosts hosts = SimulatedHosts.create(HOSTS)) {
            IntFunction<Map<String, String>> torchrun = r -> Map.of("RANK", Integer.toString(r), "WORLD_SIZE", Integer.toString(KVP * TPA),
                    "LOCAL_RANK", Integer.toString(r % PER_HOST), "LOCAL_WORLD_SIZE", Integer.toString(PER_HOST),
                    "MASTER_ADDR", SimulatedHosts.address(0), "MASTER_PORT", "29500");
            String nodeList = hosts.hostName(0).replaceFirst("h0$", "") + "h[0-" + (HOSTS - 1) + "]"; // e.g. kh1234-1-h[0-1]
            IntFunction<Map<String, String>> srun = r -> Map.of("SLURM_PROCID", Integer.toString(r), "SLURM_NTASKS", Integer.toString(KVP * TPA),
                    "SLURM_LOCALID", Integer.toString(r % PER_HOST), "SLURM_NNODES", Integer.toString(HOSTS), "SLURM_JOB_NODELIST", nodeList);
            IntFunction<Map<String, String>> mpirun = r -> Map.of("OMPI_COMM_WORLD_RANK", Integer.toString(r), "OMPI_COMM_WORLD_SIZE",
                    Integer.toString(KVP * TPA), "OMPI_COMM_WORLD_LOCAL_RANK", Integer.toString(r % PER_HOST), "OMPI_COMM_WORLD_LOCAL_SIZE",
                    Integer.toString(PER_HOST), "MASTER_ADDR", hosts.hostName(0), "MASTER_PORT", "29500");
            for (var launcher : List.of(Map.entry("torchrun, MASTER_ADDR " + SimulatedHosts.address(0), torchrun),
                    Map.entry("srun, master " + hosts.hostName(0) + " from the node list", srun),
                    Map.entry("mpirun -x MASTER_ADDR=" + hosts.hostName(0), mpirun))) {
                String what = "seed " + LlamaCheckpointTest.SEED + ", KVP 2 x TPA 2 on 2 simulated hosts x 2 ranks (" + launcher.getKey() + ")";
                double worst = RankProcesses.assertSameAsOneRank(want, RankProcesses.generate(gguf, KVP, TPA, LlamaProcessRanksTest.PROMPT,
                        LlamaProcessRanksTest.TOKENS, r -> hosts.exec(r / PER_HOST, List.of()), launcher.getValue(), LlamaProcessRanksTest.FP32), what);
                System.out.printf("tiny llama Q8_0, %s: one rank's %d tokens on every rank, logits equal across ranks, worst |Δ| / (1 + max|logit|) "
                        + "vs one rank %.2e%n", what, LlamaProcessRanksTest.TOKENS, worst);
            }
        }
    }
}
