package dev.kiln.collective.nccl;

import dev.kiln.collective.Communicator;
import dev.kiln.collective.Communicators;
import dev.kiln.collective.rendezvous.LaunchEnvironment;
import dev.kiln.device.Buffer;
import dev.kiln.device.Device;
import dev.kiln.device.KilnNativeException;
import dev.kiln.device.Queue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.function.Supplier;

/**
 * One rank of {@link NcclCommunicatorStandInTest} (in its own JVM whose libnccl.so.2 and libcuda.so.1 are the
 * test's stand-ins) or of {@link NcclGpuTest} (the real ones, one GPU per rank). It joins through {@link Communicators#open} (the launch environment, rank 0's unique id over
 * the control channel) and runs every operation through both APIs, host segments and device buffers, against a
 * plain Java reference computed from every rank's input, which each rank regenerates from the shared seed.
 * Prints one line per check; exits 1 on the first failure.
 * <pre>
 *   NcclRank SEED ops|gpu|errors
 * </pre>
 * {@code gpu} is {@code ops} without the one check that only a stand-in can make (that work stays undone until
 * its stream is synchronised: a GPU may simply have finished it).
 */
public final class NcclRank {
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT;
    private static long seed;
    private static int rank, size;

    private NcclRank() {}

    public static void main(String[] args) {
        seed = Long.parseLong(args[0]);
        LaunchEnvironment env = LaunchEnvironment.detect();
        rank = env.rank();
        size = env.worldSize();
        try (Communicator comm = Communicators.open(Communicators.Transport.NCCL, env, Duration.ofSeconds(60))) {
            NcclCommunicator nccl = (NcclCommunicator) comm;
            if (!args[1].equals("errors")) {
                hostOperations(nccl);
                deviceOperations(nccl, args[1].equals("ops"));
            } else {
                errors(nccl);
            }
            System.out.println("ALL CHECKS PASSED");
        } catch (Throwable t) {
            System.out.println("FAIL rank " + rank + " seed " + seed + ": " + t);
            t.printStackTrace(System.out);
            System.exit(1);
        }
    }

    /** The same on every rank: sizes that are multiples of nothing convenient. */
    private static int length(int op, int min, int span) {
        return min + new SplittableRandom(seed ^ (op * 0x9E3779B97F4A7C15L)).nextInt(span);
    }

    /** Rank {@code r}'s input of operation {@code op}; any rank can regenerate any other's. */
    private static float[] input(int op, int r, int n) {
        SplittableRandom rnd = new SplittableRandom(seed * 1_000_003L + r * 7919L + op);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) rnd.nextGaussian();
        return x;
    }

    private static byte[] bytesInput(int op, int r, int n) {
        byte[] b = new byte[n];
        new SplittableRandom(seed * 1_000_003L + r * 7919L + op).nextBytes(b);
        return b;
    }

    /** Element {@code i} of the sum over ranks, in fp64, and the sum of magnitudes for the tolerance. */
    private static void checkSums(String what, int op, int n, int offset, float[] got) {
        float[][] all = new float[size][];
        for (int r = 0; r < size; r++) all[r] = input(op, r, n);
        double worst = 0;
        for (int i = 0; i < got.length; i++) {
            double exact = 0, magnitude = 0;
            for (int r = 0; r < size; r++) {
                exact += all[r][offset + i];
                magnitude += Math.abs(all[r][offset + i]);
            }
            worst = Math.max(worst, Math.abs(got[i] - exact) / (magnitude * Math.ulp(1f) * (size + 2) + Float.MIN_NORMAL));
        }
        double w = worst;
        check(what, worst <= 1, () -> "error " + w + " x ((ranks + 2) * fp32 eps * sum of magnitudes)");
    }

    private static void hostOperations(NcclCommunicator comm) {
        try (Arena arena = Arena.ofConfined()) {
            int n = length(1, 1, 40_000);
            MemorySegment data = arena.allocateFrom(F, input(1, rank, n));
            comm.allReduceSum(data);
            checkSums("host allReduceSum, " + size + " ranks, " + n + " floats", 1, n, 0, data.toArray(F));

            int chunk = length(2, 1, 5_000);
            MemorySegment send = arena.allocateFrom(F, input(2, rank, chunk * size)), recv = arena.allocate(F, chunk);
            comm.reduceScatterSum(send, recv);
            checkSums("host reduceScatterSum, " + chunk + " floats per rank", 2, chunk * size, rank * chunk, recv.toArray(F));

            int bytes = length(3, 1, 3_001);
            byte[] mine = bytesInput(3, rank, bytes);
            MemorySegment gathered = arena.allocate(bytes * size);
            comm.allGather(arena.allocateFrom(ValueLayout.JAVA_BYTE, mine), gathered);
            byte[] want = new byte[bytes * size];
            for (int r = 0; r < size; r++) System.arraycopy(bytesInput(3, r, bytes), 0, want, r * bytes, bytes);
            check("host allGather, " + bytes + " bytes per rank", Arrays.equals(gathered.toArray(ValueLayout.JAVA_BYTE), want), () -> "bytes differ");

            int piece = length(4, 1, 2_001);
            MemorySegment a2aSend = arena.allocateFrom(ValueLayout.JAVA_BYTE, bytesInput(4, rank, piece * size)), a2aRecv = arena.allocate(piece * size);
            comm.allToAll(a2aSend, a2aRecv);
            byte[] a2aWant = new byte[piece * size];
            for (int r = 0; r < size; r++) System.arraycopy(bytesInput(4, r, piece * size), rank * piece, a2aWant, r * piece, piece);
            check("host allToAll (group of ncclSend/ncclRecv), " + piece + " bytes per peer",
                    Arrays.equals(a2aRecv.toArray(ValueLayout.JAVA_BYTE), a2aWant), () -> "bytes differ");

            int root = size - 1, blen = length(5, 1, 9_999);
            MemorySegment b = arena.allocateFrom(ValueLayout.JAVA_BYTE, bytesInput(5, rank, blen));
            comm.broadcast(b, root);
            check("host broadcast from rank " + root + ", " + blen + " bytes", Arrays.equals(b.toArray(ValueLayout.JAVA_BYTE), bytesInput(5, root, blen)),
                    () -> "bytes differ");
            comm.barrier();
            check("barrier", true, () -> "");
        }
    }

    private static void deviceOperations(NcclCommunicator comm, boolean standIn) {
        Device gpu = comm.device();
        Queue q = comm.queue();
        try (Arena arena = Arena.ofConfined()) {
            int n = length(11, 1, 30_000);
            MemorySegment host = arena.allocateFrom(F, input(11, rank, n));
            try (Buffer send = gpu.upload(host); Buffer recv = gpu.allocate(n * 4L); Queue other = gpu.newQueue()) {
                comm.allReduceSum(send, recv);
                // the stand-in runs NCCL's work only when its stream is synchronised: another queue sees the old contents
                MemorySegment early = arena.allocate(F, n);
                if (standIn) other.read(recv, 0, early);
                if (standIn) check("device allReduceSum is enqueued, not done, until its stream is synchronised",
                        Arrays.equals(early.toArray(F), new float[n]), () -> "read before the stream ran shows results");
                q.read(recv, 0, host);
                checkSums("device allReduceSum on the communicator's stream, " + n + " floats", 11, n, 0, host.toArray(F));
                comm.allReduceSum(recv, recv); // in place: the sum of sums
                q.read(recv, 0, host);
                float[] twice = host.toArray(F);
                for (int i = 0; i < n; i++) twice[i] /= size;
                checkSums("device allReduceSum in place", 11, n, 0, twice);
            }

            int chunk = length(12, 1, 4_000);
            try (Buffer send = gpu.upload(arena.allocateFrom(F, input(12, rank, chunk * size))); Buffer recv = gpu.allocate(chunk * 4L)) {
                comm.reduceScatterSum(send, recv);
                MemorySegment out = arena.allocate(F, chunk);
                q.read(recv, 0, out);
                checkSums("device reduceScatterSum, " + chunk + " floats per rank", 12, chunk * size, rank * chunk, out.toArray(F));
            }

            int bytes = length(13, 1, 2_999);
            try (Buffer send = gpu.upload(arena.allocateFrom(ValueLayout.JAVA_BYTE, bytesInput(13, rank, bytes))); Buffer recv = gpu.allocate((long) bytes * size)) {
                comm.allGather(send, recv);
                MemorySegment out = arena.allocate((long) bytes * size);
                q.read(recv, 0, out);
                byte[] want = new byte[bytes * size];
                for (int r = 0; r < size; r++) System.arraycopy(bytesInput(13, r, bytes), 0, want, r * bytes, bytes);
                check("device allGather, " + bytes + " bytes per rank", Arrays.equals(out.toArray(ValueLayout.JAVA_BYTE), want), () -> "bytes differ");
            }

            int piece = length(14, 1, 1_999);
            try (Buffer send = gpu.upload(arena.allocateFrom(ValueLayout.JAVA_BYTE, bytesInput(14, rank, piece * size))); Buffer recv = gpu.allocate((long) piece * size)) {
                comm.allToAll(send, recv);
                MemorySegment out = arena.allocate((long) piece * size);
                q.read(recv, 0, out);
                byte[] want = new byte[piece * size];
                for (int r = 0; r < size; r++) System.arraycopy(bytesInput(14, r, piece * size), rank * piece, want, r * piece, piece);
                check("device allToAll, " + piece + " bytes per peer", Arrays.equals(out.toArray(ValueLayout.JAVA_BYTE), want), () -> "bytes differ");
            }

            int root = 1 % size, blen = length(15, 1, 7_777);
            try (Buffer data = gpu.upload(arena.allocateFrom(ValueLayout.JAVA_BYTE, bytesInput(15, rank, blen)))) {
                comm.broadcast(data, root);
                MemorySegment out = arena.allocate(blen);
                q.read(data, 0, out);
                check("device broadcast from rank " + root + ", " + blen + " bytes", Arrays.equals(out.toArray(ValueLayout.JAVA_BYTE), bytesInput(15, root, blen)),
                        () -> "bytes differ");
            }
            expect("a buffer of the wrong size", IllegalArgumentException.class, "allGather: buffer of", () -> {
                try (Buffer a = gpu.allocate(12); Buffer b = gpu.allocate(12)) {
                    comm.allGather(a, b);
                }
            });
        }
    }

    /** KILN_FAKE_NCCL_FAIL=ncclAllGather is set for every rank: the synchronous error, then an asynchronous one. */
    private static void errors(NcclCommunicator comm) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment send = arena.allocate(40), recv = arena.allocate(40L * size);
            String line = expect("an ncclResult_t error", KilnNativeException.class, "NCCL: ncclAllGather failed with ncclSystemError (2): rank "
                    + rank + " of " + size + ", allGather of 40 bytes per rank: unhandled system error (run with NCCL_DEBUG=INFO for details)",
                    () -> comm.allGather(send, recv));
            check("the error is one line", !line.contains("\n"), () -> line);
            // ranks that disagree on the count: real NCCL hangs or corrupts; the stand-in fails the round on the stream
            MemorySegment mismatched = arena.allocate(F, 10 + rank);
            String async = expect("a collective that differs across ranks", KilnNativeException.class,
                    "NCCL: ncclCommGetAsyncError failed with ncclInvalidUsage (5): rank " + rank + " of " + size + ", allReduceSum (failed on the stream)",
                    () -> comm.allReduceSum(mismatched));
            check("the asynchronous error is one line", !async.contains("\n"), () -> async);
        }
    }

    private static void check(String what, boolean ok, Supplier<String> detail) {
        if (!ok) throw new AssertionError(what + ": " + detail.get());
        System.out.println("ok rank " + rank + ": " + what);
    }

    private static String expect(String what, Class<? extends Throwable> type, String fragment, Runnable action) {
        try {
            action.run();
        } catch (Throwable t) {
            check(what + " -> " + t.getMessage(), type.isInstance(t) && t.getMessage() != null && t.getMessage().contains(fragment), t::toString);
            return t.getMessage();
        }
        throw new AssertionError(what + ": no exception");
    }
}
