package dev.kiln.train;

import dev.kiln.collective.lossy.LossPolicy;
import dev.kiln.collective.lossy.LossyOptions;
import dev.kiln.collective.lossy.UdpGroup;
import dev.kiln.collective.rendezvous.ControlChannel;
import dev.kiln.collective.rendezvous.LaunchEnvironment;
import dev.kiln.collective.wire.Packet;
import org.junit.jupiter.api.Test;

import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The real datagram path: ranks as threads, each with its own UDP socket on loopback and the TCP rendezvous
 * channel, exactly as the worker processes use them. With nothing dropped, training must give the same bits as
 * the reliable in-process reference.
 */
class UdpTrainingTest {
    @Test
    void udpLossyPathAtZeroLossIsBitIdenticalToReliable() throws Exception {
        long seed = Long.getLong("kiln.test.seed", System.nanoTime()); // -Dkiln.test.seed=N pins it
        int workers = 3;
        TrainPreset preset = TrainPreset.TINY.withSteps(25);
        CharCorpus corpus = CharCorpus.kingJames();
        InProcessTraining.Result reference = InProcessTraining.run(corpus, new RunSpec(preset, workers, 0.0, LossPolicy.RELIABLE, seed), null);

        DataParallelWorker worker = new DataParallelWorker(corpus, preset, seed);
        int shard = DataParallelWorker.shardLength(worker.layout(), workers);
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        float[][] params = new float[workers][workers * shard];
        ExecutorService pool = Executors.newFixedThreadPool(workers);
        try {
            List<Future<TrainCurve>> ranks = new ArrayList<>();
            for (int r = 0; r < workers; r++) {
                int rank = r;
                int masterPort = port;
                ranks.add(pool.submit(() -> {
                    LaunchEnvironment env = new LaunchEnvironment("test", rank, workers, "127.0.0.1", masterPort);
                    try (ControlChannel control = ControlChannel.connect(env, Duration.ofSeconds(60))) {
                        LossyOptions options = LossyOptions.defaults().withPolicy(LossPolicy.RESCALE_BY_COUNT).withPhaseDeadline(Duration.ofSeconds(60));
                        try (GradientSync sync = new LossyGradientSync(
                                new UdpGroup("127.0.0.1", 0, Packet.DEFAULT_DATAGRAM_BYTES, 4 << 20).join(control, options),
                                MetricsChannel.of(control), shard)) {
                            return worker.run(sync, params[rank], null);
                        }
                    }
                }));
            }
            TrainCurve curve = ranks.getFirst().get();
            for (Future<TrainCurve> f : ranks) f.get();
            assertEquals(1.0, curve.deliveredFraction(), "seed " + seed + ": loopback UDP dropped datagrams");
            for (int r = 0; r < workers; r++) {
                assertArrayEquals(reference.params()[r], params[r], "seed " + seed + ": rank " + r + " differs from the reliable run");
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
