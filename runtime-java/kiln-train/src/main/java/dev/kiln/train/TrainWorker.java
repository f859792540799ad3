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
        String iface;
        try {
            WorkerArgs a = WorkerArgs.parse(args);
            spec = spec(a, LaunchEnvironment.detect().worldSize());
            netns = a.get("netns", Boolean::parseBoolean, true);
            iface = a.get("iface", x -> x, null);
        } catch (IllegalArgumentException e) {
            System.err.println("train worker: " + e.getMessage());
            System.exit(2);
            return;
        }
        try {
            ProcessTraining.worker(CharCorpus.kingJames(), spec, netns, iface, true);
        } catch (IllegalArgumentException e) { // a setting that cannot run (loss without a namespace, --iface): one line
            System.err.println("train worker: " + e.getMessage());
            System.exit(2);
        }
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
