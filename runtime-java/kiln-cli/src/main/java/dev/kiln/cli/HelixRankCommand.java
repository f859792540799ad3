package dev.kiln.cli;

import dev.kiln.attention.model.HelixRankWorker;
import dev.kiln.collective.rendezvous.LaunchEnvironment;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code kiln helix rank}: one Helix decode rank in this process, for a launcher to start {@code kvp × tpa} of; the
 * body is {@link HelixRankWorker}, the same code the tests start as worker JVMs.
 */
@Command(name = "rank", mixinStandardHelpOptions = true,
        description = {"One rank of a Helix decode over processes (KVP x TPA ranks, TCP or NCCL between them), started by mpirun, srun or "
                + "torchrun (they set the rank, world size and rank 0's host; WORLD_SIZE must be kvp x tpa). Rank 0 prints one line "
                + "per step. The world group meets at MASTER_PORT, each KVP group at MASTER_PORT + 1 + its TPA index, all at "
                + "MASTER_ADDR, so the first tpa ranks must run on rank 0's host. Examples:",
                "  mpirun -np 4 -x MASTER_ADDR=127.0.0.1 ./kiln helix rank --kvp 2 --tpa 2",
                "  srun -n 4 ./kiln helix rank --kvp 2 --tpa 2            (MASTER_ADDR or the first host of the node list)",
                "  RANK=0 WORLD_SIZE=4 MASTER_ADDR=127.0.0.1 MASTER_PORT=29500 ./kiln helix rank --kvp 2 --tpa 2   (and ranks 1-3)"})
final class HelixRankCommand implements Callable<Integer> {
    @Option(names = "--model", defaultValue = "test-gqa", description = "Model shape: test-gqa, test-mla, llama-8b-shape, ... (default ${DEFAULT-VALUE}).")
    String model;
    @Option(names = "--kvp", defaultValue = "2", description = "KV-parallel ranks (default ${DEFAULT-VALUE}).") int kvp;
    @Option(names = "--tpa", defaultValue = "1", description = "Attention tensor-parallel ranks (default ${DEFAULT-VALUE}).") int tpa;
    @Option(names = "--append-block", defaultValue = "16", description = "Tokens appended to one KVP rank before the next (default ${DEFAULT-VALUE}).")
    int appendBlock;
    @Option(names = "--batch", defaultValue = "1", description = "Sequences decoded together (default ${DEFAULT-VALUE}).") int batch;
    @Option(names = "--steps", defaultValue = "16", description = "Decode steps (default ${DEFAULT-VALUE}).") int steps;
    @Option(names = "--seed", defaultValue = "1", description = "Weights and first tokens (default ${DEFAULT-VALUE}).") long seed;
    @Option(names = "--timeout-s", defaultValue = "60", description = "How long to wait for the other ranks (default ${DEFAULT-VALUE}).")
    long timeoutSeconds;
    @Option(names = "--transport", defaultValue = "tcp", description = "tcp (TCP rings) or nccl (NCCL on this rank's CUDA device "
            + "LOCAL_RANK mod devices; data staged through it) (default ${DEFAULT-VALUE}).")
    String transport;
    @Option(names = "--json", description = "Print the machine lines (step, tokens fed, all logits) instead of the tokens.")
    boolean json;

    @Override
    public Integer call() {
        List<String> args = List.of("--model", model, "--kvp", Integer.toString(kvp), "--tpa", Integer.toString(tpa),
                "--append-block", Integer.toString(appendBlock), "--batch", Integer.toString(batch), "--steps", Integer.toString(steps),
                "--seed", Long.toString(seed), "--timeout-s", Long.toString(timeoutSeconds), "--transport", transport);
        HelixRankWorker.run(LaunchEnvironment.detect(), args.toArray(String[]::new), System.out, json);
        return 0;
    }
}
