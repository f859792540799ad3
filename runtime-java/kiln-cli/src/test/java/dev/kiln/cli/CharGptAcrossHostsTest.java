package dev.kiln.cli;

import dev.kiln.collective.netlab.SimulatedHosts;
import dev.kiln.inference.RankProcesses;
import dev.kiln.inference.model.GenerateRankWorker;
import dev.kiln.inference.quant.Activations;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The trained char-GPT of {@link CharGptProcessRanksTest} generating past its context (window shifts, every rank
 * resets its KV shard) as KVP 2 × TPA 2 worker JVMs on two simulated hosts × 2 ranks ({@link SimulatedHosts}; ranks
 * 0 and 1, each KVP group's rank 0, on host 0), launched with torchrun's variables and MASTER_ADDR as host 0's name,
 * which host 0 resolves to 127.0.1.1 and host 1 to 198.18.0.1. Every rank's tokens and logits must be one rank's in
 * process ({@link RankProcesses#assertSameAsOneRank}). Root only; skipped with the reason otherwise.
 */
class CharGptAcrossHostsTest {
    static final int KVP = 2, TPA = 2, HOSTS = 2, PER_HOST = KVP * TPA / HOSTS;

    @Test
    void greedy_generation_across_two_simulated_hosts_equals_one_rank(@TempDir Path dir) throws Exception {
        String cause = SimulatedHosts.unavailabilityCause();
        Assumptions.assumeTrue(cause == null, "generate across simulated hosts skipped: " + cause);
        Path file = CharGptProcessRanksTest.trainedModel(dir);
        List<GenerateRankWorker.Step> want = RankProcesses.oneRank(file, Activations.FP32, CharGptProcessRanksTest.PROMPT, CharGptProcessRanksTest.TOKENS);
        assertEquals(CharGptProcessRanksTest.TOKENS, want.size());
        try (SimulatedHosts hosts = SimulatedHosts.create(HOSTS)) {
            String what = "seed " + CharGptGenerateTest.SEED + ", KVP 2 x TPA 2 on 2 simulated hosts x 2 ranks (torchrun, MASTER_ADDR " + hosts.hostName(0) + ")";
            double worst = RankProcesses.assertSameAsOneRank(want, RankProcesses.generate(file, KVP, TPA, CharGptProcessRanksTest.PROMPT,
                    CharGptProcessRanksTest.TOKENS, r -> hosts.exec(r / PER_HOST, List.of()), r -> Map.of("RANK", Integer.toString(r),
                            "WORLD_SIZE", Integer.toString(KVP * TPA), "LOCAL_RANK", Integer.toString(r % PER_HOST), "LOCAL_WORLD_SIZE",
                            Integer.toString(PER_HOST), "MASTER_ADDR", hosts.hostName(0), "MASTER_PORT", "29500"), List.of()), what);
            System.out.printf("char-GPT, %s: one rank's %d tokens on every rank, logits equal across ranks, worst |Δ| / (1 + max|logit|) vs one rank %.2e%n",
                    what, CharGptProcessRanksTest.TOKENS, worst);
        }
    }
}
