package dev.kiln.train;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.IntConsumer;

/** Data-parallel training with the ranks as threads of this JVM and seeded in-process packet loss. */
public final class InProcessTraining {
    private InProcessTraining() {}

    /** Result of one run: rank 0's curve and every rank's final parameters. */
    public record Result(TrainCurve curve, float[][] params) {}

    public static Result run(CharCorpus corpus, TrainPreset preset, int workers, double loss, LossPolicy policy,
                             long seed, IntConsumer progress) {
        DataParallelWorker worker = new DataParallelWorker(corpus, preset, seed);
        int shard = DataParallelWorker.shardLength(worker.layout(), workers);
        InProcessLossyGroup group = new InProcessLossyGroup(workers, shard, DataParallelWorker.PACKET_FLOATS, loss, policy, seed);
        float[][] params = new float[workers][shard * workers];
        ExecutorService pool = Executors.newFixedThreadPool(workers, r -> {
            Thread t = new Thread(r, "train-rank");
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<TrainCurve>> ranks = new ArrayList<>();
            for (int r = 0; r < workers; r++) {
                int rank = r;
                ranks.add(pool.submit(() -> worker.run(group.rank(rank), params[rank], progress)));
            }
            TrainCurve curve = null;
            for (Future<TrainCurve> f : ranks) {
                TrainCurve c = f.get();
                if (curve == null) curve = c;
            }
            return new Result(curve, params);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException re ? re : new IllegalStateException(e.getCause());
        } finally {
            pool.shutdownNow();
        }
    }
}
