package dev.kiln.cli;

import dev.kiln.collective.lossy.LossPolicy;
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
 * {@code kiln train worker}: one rank of a multi-process training run, started by {@code kiln train} (or by
 * mpirun / torchrun, which set the rank and world size). Rank 0 prints progress and the result on stdout.
 */
@Command(name = "worker", hidden = true, description = "One rank of a data-parallel training run (started by kiln train, mpirun or torchrun).")
final class TrainWorkerCommand implements Callable<Integer> {
    @Option(names = "--preset", defaultValue = "demo") String preset;
    @Option(names = "--steps") Integer steps;
    @Option(names = "--batch") Integer batch;
    @Option(names = "--optimizer") String optimizer;
    @Option(names = "--lr") Double lr;
    @Option(names = "--sharding") String sharding;
    @Option(names = "--weight-decay") Double weightDecay;
    @Option(names = "--loss-phase", defaultValue = "both") String lossPhase;
    @Option(names = "--loss", defaultValue = "0") double loss;
    @Option(names = "--policy", defaultValue = "rescale-by-count") String policy;
    @Option(names = "--seed", defaultValue = "1") long seed;
    @Option(names = "--broadcast-momentum", defaultValue = "0") double broadcastMomentum;
    @Option(names = "--netns", defaultValue = "true", arity = "1",
            description = "Use the data ports that the namespace's nft rules drop (default ${DEFAULT-VALUE}).") boolean netns;

    @Override
    public Integer call() throws Exception {
        TrainPreset p = TrainPreset.resolve(preset, steps, batch, optimizer == null ? null : Optimizer.Kind.parse(optimizer), lr, weightDecay,
                sharding == null ? null : DataSharding.parse(sharding));
        int workers = Integer.parseInt(System.getenv().getOrDefault("WORLD_SIZE", System.getenv().getOrDefault("OMPI_COMM_WORLD_SIZE", "1")));
        ProcessTraining.worker(CharCorpus.kingJames(), new RunSpec(p, workers, loss, LossPolicy.parse(policy), seed, LossPhases.parse(lossPhase), broadcastMomentum), netns);
        return 0;
    }
}
