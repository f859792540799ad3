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
 * {@code kiln train worker}: one rank of a multi-process training run under mpirun or torchrun, which set the
 * rank and world size. Rank 0 prints progress and the result on stdout. {@code kiln train} starts its own
 * workers through {@link dev.kiln.train.TrainWorker}, not through this command; it is listed in
 * {@code kiln train --help} because users run it (docs/train.md).
 */
@Command(name = "worker", mixinStandardHelpOptions = true,
        description = "One rank of a data-parallel training run, for mpirun or torchrun (they set the rank and world size), "
                + "e.g. mpirun -np 4 ./kiln train worker --preset tiny --netns false.")
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
            + "the namespace's nft rules (default ${DEFAULT-VALUE}).") double loss;
    @Option(names = "--policy", defaultValue = "rescale-by-count", description = "rescale-by-count, rescale-by-p, zero-fill, reliable (default ${DEFAULT-VALUE}).") String policy;
    @Option(names = "--seed", defaultValue = "1", description = "Seed (default ${DEFAULT-VALUE}).") long seed;
    @Option(names = "--broadcast-momentum", defaultValue = "0", description = "As in kiln train (default ${DEFAULT-VALUE}).") double broadcastMomentum;
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
