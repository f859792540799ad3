package dev.kiln.cli;

import dev.kiln.collective.lossy.LossPolicy;
import dev.kiln.collective.rendezvous.LaunchEnvironment;
import dev.kiln.train.CharCorpus;
import dev.kiln.train.DataSharding;
import dev.kiln.train.LossPhases;
import dev.kiln.train.Optimizer;
import dev.kiln.train.ProcessTraining;
import dev.kiln.train.RunSpec;
import dev.kiln.train.TrainPreset;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.concurrent.Callable;

/**
 * {@code kiln train worker}: one rank of a multi-process training run under mpirun, srun or torchrun, which set the
 * rank and world size ({@link LaunchEnvironment}). Rank 0 prints progress on stderr and a summary on stdout, or with
 * {@code --json} the machine lines that {@link ProcessTraining} reads. {@code kiln train} starts its own workers
 * through {@link dev.kiln.train.TrainWorker}, not through this command.
 */
@Command(name = "worker", mixinStandardHelpOptions = true,
        description = {"One rank of a data-parallel training run, started by mpirun, srun or torchrun (they set the rank, world size "
                + "and rank 0's host: OMPI_COMM_WORLD_*, SLURM_PROCID/SLURM_NTASKS/SLURM_JOB_NODELIST, RANK/WORLD_SIZE/MASTER_ADDR/MASTER_PORT). "
                + "Each rank binds its data sockets at the address that routes to rank 0's host, or at --iface. Examples (docs/train.md):",
                "  mpirun -np 4 -x MASTER_ADDR=host1 \\", "      ./kiln train worker --preset tiny --netns false",
                "  srun -N 2 --ntasks-per-node=2 \\", "      ./kiln train worker --preset tiny --netns false",
                "  RANK=0 WORLD_SIZE=2 MASTER_ADDR=host1 MASTER_PORT=29500 \\", "      ./kiln train worker --preset tiny --netns false"})
final class TrainWorkerCommand implements Callable<Integer> {
    @Option(names = "--preset", defaultValue = "demo", description = "tiny, demo, small (default ${DEFAULT-VALUE}).") String preset;
    @Option(names = "--steps", description = "As in kiln train.") Integer steps;
    @Option(names = "--batch", description = "As in kiln train.") Integer batch;
    @Option(names = "--optimizer", description = "As in kiln train.") String optimizer;
    @Option(names = "--lr", description = "As in kiln train.") Double lr;
    @Option(names = "--sharding", description = "As in kiln train.") String sharding;
    @Option(names = "--weight-decay", description = "As in kiln train.") Double weightDecay;
    @Option(names = "--loss-phase", defaultValue = "both", description = "both, reduce-scatter or broadcast (default ${DEFAULT-VALUE}).") String lossPhase;
    @Option(names = "--loss", defaultValue = "0", description = "Packet loss probability of the run; the drops themselves come from "
            + "the namespace's nft rules, so a value > 0 needs --netns true (default ${DEFAULT-VALUE}).") double loss;
    @Option(names = "--policy", defaultValue = "rescale-by-count", description = "rescale-by-count, rescale-by-p, zero-fill, reliable (default ${DEFAULT-VALUE}).") String policy;
    @Option(names = "--seed", defaultValue = "1", description = "Seed (default ${DEFAULT-VALUE}).") long seed;
    @Option(names = "--broadcast-momentum", defaultValue = "0", description = "As in kiln train (default ${DEFAULT-VALUE}).") double broadcastMomentum;
    @Option(names = "--netns", defaultValue = "true", arity = "1",
            description = "Use the data ports that the namespace's nft rules drop; false across hosts (default ${DEFAULT-VALUE}).") boolean netns;
    @Option(names = "--iface", description = "Interface whose IPv4 address the data sockets bind and publish (default: KILN_IFACE, "
            + "else the interface that routes to MASTER_ADDR).") String iface;
    @Option(names = "--json", description = "Rank 0 prints one KILN-TRAIN-STEP line per step and the curve as a KILN-TRAIN-RESULT JSON line.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        TrainPreset p = TrainPreset.resolve(preset, steps, batch, optimizer == null ? null : Optimizer.Kind.parse(optimizer), lr, weightDecay,
                sharding == null ? null : DataSharding.parse(sharding));
        int workers = LaunchEnvironment.detect().worldSize();
        ProcessTraining.worker(CharCorpus.kingJames(), new RunSpec(p, workers, loss, LossPolicy.parse(policy), seed, LossPhases.parse(lossPhase),
                broadcastMomentum), netns, iface, json);
        return 0;
    }
}
