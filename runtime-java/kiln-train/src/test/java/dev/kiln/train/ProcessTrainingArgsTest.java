package dev.kiln.train;

import dev.kiln.collective.lossy.LossPolicy;
import dev.kiln.collective.rendezvous.WorkerArgs;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class ProcessTrainingArgsTest {
    /** The worker processes rebuild the parent's RunSpec from these flags: every setting must travel. */
    @Test
    void worker_arguments_carry_the_whole_run() {
        TrainPreset p = TrainPreset.resolve("tiny", 33, 5, Optimizer.Kind.SGD, 0.2, 0.01, DataSharding.CONTIGUOUS);
        RunSpec spec = new RunSpec(p, 3, 0.15, LossPolicy.ZERO_FILL, 7, LossPhases.BROADCAST, 0.9);
        List<String> args = ProcessTraining.workerArgs(spec);
        assertEquals("33", after(args, "--steps"));
        assertEquals("5", after(args, "--batch"));
        assertEquals("sgd", after(args, "--optimizer"));
        assertEquals("0.2", after(args, "--lr"));
        assertEquals("0.01", after(args, "--weight-decay"));
        assertEquals("contiguous", after(args, "--sharding"));
        assertEquals("0.15", after(args, "--loss"));
        assertEquals("zero-fill", after(args, "--policy"));
        assertEquals("7", after(args, "--seed"));
        assertEquals("broadcast", after(args, "--loss-phase"));
        assertEquals("0.9", after(args, "--broadcast-momentum"));
        assertEquals(spec, TrainWorker.spec(WorkerArgs.parse(args.toArray(String[]::new)), 3), "the worker's entry point rebuilds the same run");
    }

    private static String after(List<String> args, String flag) {
        int i = args.indexOf(flag);
        if (i < 0 || i + 1 >= args.size()) throw new AssertionError(flag + " missing from " + args);
        return args.get(i + 1);
    }
}
