package dev.kiln.collective;

import dev.kiln.collective.rendezvous.LaunchEnvironment;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Communicators opened from a launch environment, three ranks on loopback, against the exact fp64 sum. */
class CommunicatorsTest {
    private static final int RANKS = 3, N = 4099;

    @ParameterizedTest
    @EnumSource(value = Communicators.Transport.class, names = {"UDP", "TCP"})
    void opened_from_the_environment_they_sum_like_fp64(Communicators.Transport transport) throws Exception {
        long seed = Long.getLong("kiln.test.seed", System.nanoTime()); // -Dkiln.test.seed=N pins it
        float[][] in = new float[RANKS][N];
        SplittableRandom random = new SplittableRandom(seed);
        double[] exact = new double[N];
        for (float[] row : in) for (int i = 0; i < N; i++) exact[i] += row[i] = (float) random.nextGaussian();
        int port;
        try (ServerSocket probe = new ServerSocket(0)) {
            port = probe.getLocalPort();
        }
        ExecutorService pool = Executors.newFixedThreadPool(RANKS);
        try {
            List<Future<float[]>> results = new ArrayList<>();
            for (int r = 0; r < RANKS; r++) {
                int rank = r;
                results.add(pool.submit(() -> {
                    LaunchEnvironment env = new LaunchEnvironment("test", rank, RANKS, "127.0.0.1", port);
                    try (Communicator comm = Communicators.open(transport, env, "127.0.0.1", Duration.ofSeconds(30))) {
                        assertEquals(rank, comm.rank());
                        assertEquals(RANKS, comm.size());
                        float[] data = in[rank].clone();
                        comm.allReduceSum(MemorySegment.ofArray(data));
                        return data;
                    }
                }));
            }
            for (int r = 0; r < RANKS; r++) {
                float[] got = results.get(r).get(60, TimeUnit.SECONDS);
                for (int i = 0; i < N; i++) {
                    assertEquals(exact[i], got[i], 1e-5 * (1 + Math.abs(exact[i])), transport + " rank " + r + " element " + i + " seed=" + seed);
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void an_unknown_transport_is_named_with_the_known_ones() {
        var e = assertThrows(IllegalArgumentException.class, () -> Communicators.Transport.parse("carrier-pigeon"));
        assertTrue(e.getMessage().contains("carrier-pigeon") && e.getMessage().contains("udp"), e.getMessage());
    }
}
