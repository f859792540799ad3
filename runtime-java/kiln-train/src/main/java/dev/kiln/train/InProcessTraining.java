package dev.kiln.train;

import dev.kiln.collective.Communicator;
import dev.kiln.collective.inproc.InProcessGroup;
import dev.kiln.collective.lossy.LossPolicy;
import dev.kiln.collective.lossy.LossyAllReduce;
import dev.kiln.collective.lossy.LossyOptions;
import dev.kiln.collective.lossy.LossyPhase;
import dev.kiln.collective.wire.InProcessDatagramFabric;
import dev.kiln.collective.wire.PhaseLossFabric;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.IntConsumer;

/**
 * Data-parallel training with the ranks as threads of this JVM: the lossy collectives run over the in-process
 * datagram fabric with seeded i.i.d. loss per datagram and link (reproducible, no privileges); {@code reliable}
 * runs over the in-process reliable communicator (retransmission modelled as free).
 */
public final class InProcessTraining {
    private InProcessTraining() {}

    /** Result of one run: rank 0's curve and every rank's final parameters. */
    public record Result(TrainCurve curve, float[][] params) {}

    /**
     * Loss everywhere: the in-process fabric drops each datagram with p. Loss in one phase only: a lossless fabric
     * whose endpoints are wrapped in a {@link PhaseLossFabric} that drops that phase's datagrams (seeded the same way),
     * or, with {@link RunSpec#lossFromStep}, only the datagrams of later steps.
     */
    private static LossyAllReduce[] lossyGroup(RunSpec spec, LossyOptions options) {
        if (spec.phases() == LossPhases.BOTH && spec.lossFromStep() == 0) return LossyAllReduce.inProcessGroup(spec.workers(), spec.loss(), spec.seed(), options);
        InProcessDatagramFabric fabric = new InProcessDatagramFabric(spec.workers(), 0.0, spec.seed());
        byte[] phases = new byte[spec.phases().phases().size()];
        int i = 0;
        for (LossyPhase p : spec.phases().phases()) phases[i++] = p.wireCode();
        LossyAllReduce[] out = new LossyAllReduce[spec.workers()];
        for (int r = 0; r < out.length; r++) {
            out[r] = new LossyAllReduce(new PhaseLossFabric(fabric.endpoint(r), spec.loss(), spec.seed(), spec.lossFromStep(), phases), options);
        }
        return out;
    }

    public static Result run(CharCorpus corpus, RunSpec spec, IntConsumer progress) {
        int workers = spec.workers();
        DataParallelWorker worker = new DataParallelWorker(corpus, spec.preset(), spec.seed());
        int shard = DataParallelWorker.shardLength(worker.layout(), workers);
        InProcessGroup control = new InProcessGroup(workers);
        GradientSync[] syncs = new GradientSync[workers];
        if (spec.policy() == LossPolicy.RELIABLE) {
            for (int r = 0; r < workers; r++) {
                Communicator comm = control.rank(r);
                syncs[r] = new ReliableGradientSync(comm, MetricsChannel.of(comm), shard);
            }
        } else {
            LossyAllReduce[] lossy = lossyGroup(spec, spec.lossyOptions());
            for (int r = 0; r < workers; r++) syncs[r] = new LossyGradientSync(lossy[r], MetricsChannel.of(control.rank(r)), shard);
        }
        float[][] params = new float[workers][shard * workers];
        ExecutorService pool = Executors.newFixedThreadPool(workers, r -> {
            Thread t = new Thread(r, "train-rank");
            t.setDaemon(true);
            return t;
        });
        // Ranks are waited for in the order they finish, not in rank order: the first to fail is reported at once
        // (naming it) and aborts the control group, so no rank waits for it at a barrier.
        java.util.concurrent.atomic.AtomicReference<RuntimeException> firstFailure = new java.util.concurrent.atomic.AtomicReference<>();
        java.util.concurrent.CompletionService<TrainCurve> done = new java.util.concurrent.ExecutorCompletionService<>(pool);
        try {
            List<Future<TrainCurve>> ranks = new ArrayList<>();
            for (int r = 0; r < workers; r++) {
                int rank = r;
                ranks.add(done.submit(() -> {
                    try (GradientSync sync = syncs[rank]) {
                        return worker.run(sync, params[rank], progress);
                    } catch (RuntimeException | Error e) {
                        firstFailure.compareAndSet(null, new IllegalStateException("training rank " + rank + " of " + workers + " failed: " + e, e));
                        control.abort(rank, e);
                        throw e;
                    }
                }));
            }
            for (int i = 0; i < workers; i++) {
                try {
                    done.take().get();
                } catch (ExecutionException e) {
                    RuntimeException first = firstFailure.get();
                    throw first != null ? first : new IllegalStateException("a training rank failed: " + e.getCause(), e.getCause());
                }
            }
            return new Result(ranks.getFirst().get(), params);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        } finally {
            pool.shutdownNow();
            control.close();
        }
    }
}
