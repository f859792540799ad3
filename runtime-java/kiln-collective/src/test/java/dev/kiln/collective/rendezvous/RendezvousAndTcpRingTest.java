package dev.kiln.collective.rendezvous;

import dev.kiln.collective.Communicator;
import dev.kiln.collective.inproc.InProcessGroup;
import dev.kiln.collective.lossy.LossyAllReduce;
import dev.kiln.collective.lossy.LossyCommunicator;
import dev.kiln.collective.lossy.LossyOptions;
import dev.kiln.collective.lossy.UdpGroup;
import dev.kiln.collective.tcp.TcpRingCommunicator;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RendezvousAndTcpRingTest {
    private static final int RANKS = 4;

    @Test
    void launcher_variables_of_torchrun_mpirun_and_srun_are_understood() {
        assertEquals(new LaunchEnvironment("torchrun", 2, 8, "10.0.0.1", 1234),
                LaunchEnvironment.detect(Map.of("RANK", "2", "WORLD_SIZE", "8", "MASTER_ADDR", "10.0.0.1", "MASTER_PORT", "1234")));
        assertEquals(new LaunchEnvironment("mpirun", 3, 4, "127.0.0.1", 29500),
                LaunchEnvironment.detect(Map.of("OMPI_COMM_WORLD_RANK", "3", "OMPI_COMM_WORLD_SIZE", "4")));
        assertEquals(new LaunchEnvironment("srun", 1, 2, "127.0.0.1", 7000),
                LaunchEnvironment.detect(Map.of("SLURM_PROCID", "1", "SLURM_NTASKS", "2", "MASTER_PORT", "7000")));
        assertEquals("none", LaunchEnvironment.detect(Map.of()).launcher());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> LaunchEnvironment.detect(Map.of("RANK", "x", "WORLD_SIZE", "2")));
        assertTrue(e.getMessage().contains("RANK"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> LaunchEnvironment.detect(Map.of("RANK", "4", "WORLD_SIZE", "4")));
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private static <T> List<T> ranks(IntFunction<T> body) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(RANKS);
        try {
            List<Future<T>> fs = new ArrayList<>();
            for (int r = 0; r < RANKS; r++) {
                int rank = r;
                fs.add(pool.submit(() -> body.apply(rank)));
            }
            List<T> out = new ArrayList<>();
            for (Future<T> f : fs) out.add(f.get(60, TimeUnit.SECONDS));
            return out;
        } finally {
            pool.shutdownNow();
        }
    }

    /** Control channel, TCP ring and UDP group on real loopback sockets agree with the exact reference. */
    @Test
    void tcp_ring_and_udp_group_match_the_exact_sum_over_real_sockets() throws Exception {
        long seed = Long.getLong("kiln.test.seed", System.nanoTime()); // -Dkiln.test.seed=N pins it
        int port = freePort();
        int n = 50_001;
        float[][] in = new float[RANKS][n];
        SplittableRandom rnd = new SplittableRandom(seed);
        for (float[] row : in) for (int i = 0; i < n; i++) row[i] = (float) rnd.nextDouble();
        double[] exact = new double[n];
        for (float[] row : in) for (int i = 0; i < n; i++) exact[i] += row[i];
        List<float[][]> out = ranks(r -> {
            ControlChannel control = ControlChannel.connect(new LaunchEnvironment("test", r, RANKS, "127.0.0.1", port), Duration.ofSeconds(30));
            float[][] results = new float[4][];
            try (Communicator tcp = new TcpRingCommunicator(control, "127.0.0.1", 0)) {
                results[0] = in[r].clone();
                tcp.allReduceSum(MemorySegment.ofArray(results[0]));
                float[] part = new float[n / RANKS + 1];
                float[] send = new float[part.length * RANKS];
                System.arraycopy(in[r], 0, send, 0, Math.min(n, send.length));
                tcp.reduceScatterSum(MemorySegment.ofArray(send), MemorySegment.ofArray(part));
                results[1] = part;
                float[] gathered = new float[RANKS * 3];
                tcp.allGather(MemorySegment.ofArray(new float[]{r, r + 0.5f, -r}), MemorySegment.ofArray(gathered));
                results[2] = gathered;
            }
            LossyAllReduce lossy = new UdpGroup("127.0.0.1", 0, 1472, 4 << 20).join(control, LossyOptions.defaults());
            try (LossyCommunicator udp = new LossyCommunicator(lossy, control)) {
                results[3] = in[r].clone();
                udp.allReduceSum(MemorySegment.ofArray(results[3]));
                udp.barrier();
            }
            return results;
        });
        for (int r = 0; r < RANKS; r++) {
            float[][] res = out.get(r);
            for (int i = 0; i < n; i++) {
                assertEquals(exact[i], res[0][i], 1e-5 * RANKS, "tcp ring, rank " + r + " element " + i + " seed " + seed);
                assertEquals(exact[i], res[3][i], 1e-5 * RANKS, "udp, rank " + r + " element " + i + " seed " + seed);
            }
            int chunk = n / RANKS + 1;
            for (int i = 0; i < chunk; i++) {
                int g = r * chunk + i;
                double want = g < n ? exact[g] : 0;
                assertEquals(want, res[1][i], 1e-5 * RANKS, "tcp reduce-scatter, rank " + r + " element " + i);
            }
            float[] expectGather = new float[RANKS * 3];
            for (int q = 0; q < RANKS; q++) {
                expectGather[3 * q] = q;
                expectGather[3 * q + 1] = q + 0.5f;
                expectGather[3 * q + 2] = -q;
            }
            assertArrayEquals(expectGather, res[2]);
        }
    }

    /** Ring-forwarded all-to-all over real sockets delivers what the in-process group's direct copy does, byte for byte. */
    @Test
    void tcp_ring_all_to_all_matches_the_in_process_group() throws Exception {
        long seed = Long.getLong("kiln.test.seed", System.nanoTime()); // -Dkiln.test.seed=N pins it
        int port = freePort();
        int chunk = 4099; // odd, so no alignment is assumed
        byte[][] in = new byte[RANKS][chunk * RANKS];
        SplittableRandom rnd = new SplittableRandom(seed);
        for (byte[] row : in) for (int i = 0; i < row.length; i++) row[i] = (byte) rnd.nextInt(256);
        List<byte[]> tcpOut = ranks(r -> {
            ControlChannel control = ControlChannel.connect(new LaunchEnvironment("test", r, RANKS, "127.0.0.1", port), Duration.ofSeconds(30));
            try (Communicator tcp = TcpRingCommunicator.owningControl(control, "127.0.0.1", 0)) {
                byte[] out = new byte[chunk * RANKS];
                tcp.allToAll(MemorySegment.ofArray(in[r]), MemorySegment.ofArray(out));
                byte[] again = new byte[chunk * RANKS]; // a second call reuses the ring's buffers
                tcp.allToAll(MemorySegment.ofArray(in[r]), MemorySegment.ofArray(again));
                assertArrayEquals(out, again, "rank " + r + ": second allToAll, seed " + seed);
                return out;
            }
        });
        try (InProcessGroup group = new InProcessGroup(RANKS)) {
            List<byte[]> want = ranks(r -> {
                byte[] out = new byte[chunk * RANKS];
                group.rank(r).allToAll(MemorySegment.ofArray(in[r]), MemorySegment.ofArray(out));
                return out;
            });
            for (int r = 0; r < RANKS; r++) assertArrayEquals(want.get(r), tcpOut.get(r), "rank " + r + ", seed " + seed);
        }
        // The reference itself: slot q of rank r's result is chunk r of rank q's input.
        for (int r = 0; r < RANKS; r++) {
            for (int q = 0; q < RANKS; q++) {
                assertArrayEquals(java.util.Arrays.copyOfRange(in[q], r * chunk, (r + 1) * chunk),
                        java.util.Arrays.copyOfRange(tcpOut.get(r), q * chunk, (q + 1) * chunk), "rank " + r + " slot " + q + ", seed " + seed);
            }
        }
    }
}
