package dev.kiln.train;

import dev.kiln.collective.lossy.LossPolicy;
import dev.kiln.collective.rendezvous.LaunchEnvironment;
import dev.kiln.collective.rendezvous.WorkerArgs;

/**
 * The typed entry point of one training worker process, as {@link ProcessTraining} starts it: the arguments
 * {@link ProcessTraining#workerArgs} wrote, the rank and world size from the launch environment.
 */
public final class TrainWorker {
    private TrainWorker() {}

    public static void main(String[] args) throws Exception {
        RunSpec spec;
        boolean netns;
        try {
            WorkerArgs a = WorkerArgs.parse(args);
            spec = spec(a, LaunchEnvironment.detect().worldSize());
            netns = a.get("netns", Boolean::parseBoolean, true);
        } catch (IllegalArgumentException e) {
            System.err.println("train worker: " + e.getMessage());
            System.exit(2);
            return;
        }
        ProcessTraining.worker(CharCorpus.kingJames(), spec, netns);
    }

    /** The {@link RunSpec} that {@link ProcessTraining#workerArgs} wrote, for a job of {@code workers} ranks. */
    static RunSpec spec(WorkerArgs a, int workers) {
        TrainPreset p = TrainPreset.resolve(a.get("preset"), a.get("steps", Integer::valueOf), a.get("batch", Integer::valueOf),
                a.get("optimizer", Optimizer.Kind::parse), a.get("lr", Double::valueOf), a.get("weight-decay", Double::valueOf),
                a.get("sharding", DataSharding::parse));
        return new RunSpec(p, workers, a.get("loss", Double::parseDouble), a.get("policy", LossPolicy::parse), a.get("seed", Long::parseLong),
                a.get("loss-phase", LossPhases::parse), a.get("broadcast-momentum", Double::parseDouble));
    }
}
