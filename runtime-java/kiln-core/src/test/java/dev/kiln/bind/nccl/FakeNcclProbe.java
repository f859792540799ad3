package dev.kiln.bind.nccl;

import dev.kiln.device.KilnNativeException;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.function.Supplier;

/**
 * Runs in a child JVM whose libnccl.so.2 is the test's stand-in (src/test/c/fake_libnccl.c): every function of
 * {@link Nccl} is called through its descriptor, and what the stand-in received is read back. Prints one line
 * per check; exits 1 on the first failure.
 */
public final class FakeNcclProbe {
    private FakeNcclProbe() {}

    public static void main(String[] args) {
        long seed = args.length > 0 ? Long.parseLong(args[0]) : System.nanoTime();
        try {
            run(seed);
            System.out.println("ALL CHECKS PASSED");
        } catch (Throwable t) {
            System.out.println("FAIL seed " + seed + ": " + t);
            t.printStackTrace(System.out);
            System.exit(1);
        }
    }

    private static void run(long seed) {
        check("available", Nccl.isAvailable(), Nccl::unavailabilityCause);
        check("ncclGetVersion", Nccl.version() == 22304 && Nccl.versionString().equals("2.23.4"), Nccl::versionString);

        byte[] id = Nccl.uniqueId(), another = Nccl.uniqueId();
        byte[] magic = "kiln-fake-nccl".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        check("ncclGetUniqueId fills the 128-byte struct (the stand-in's mark, then random bytes)",
                id.length == 128 && Arrays.equals(Arrays.copyOf(id, magic.length), magic) && !Arrays.equals(id, another), () -> Arrays.toString(id));

        // a random id, so the stand-in's copy proves the whole by-value struct arrived, not a pointer or a prefix
        SplittableRandom rnd = new SplittableRandom(seed);
        byte[] sent = new byte[128];
        for (int i = 0; i < 128; i++) sent[i] = (byte) rnd.nextInt(256);
        int nranks = 2 + rnd.nextInt(7), rank = rnd.nextInt(nranks);
        MemorySegment comm = Nccl.commInitRank(nranks, sent, rank);
        // struct fakeComm { int nranks; int rank; unsigned char id[128]; int destroyed; }
        MemorySegment seen = comm.reinterpret(4 + 4 + 128 + 4);
        byte[] received = seen.asSlice(8, 128).toArray(ValueLayout.JAVA_BYTE);
        check("ncclCommInitRank gets the id by value and the ints after it", seen.get(ValueLayout.JAVA_INT, 0) == nranks
                && seen.get(ValueLayout.JAVA_INT, 4) == rank && Arrays.equals(received, sent),
                () -> "nranks " + seen.get(ValueLayout.JAVA_INT, 0) + " rank " + seen.get(ValueLayout.JAVA_INT, 4) + " id " + Arrays.toString(received));

        // one rank alone: its sum is its input, exactly (NcclCommunicatorStandInTest in kiln-collective runs several)
        int n = 1 + rnd.nextInt(50_000);
        MemorySegment single = Nccl.commInitRank(1, id, 0);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment send = arena.allocate(ValueLayout.JAVA_FLOAT, n), recv = arena.allocate(ValueLayout.JAVA_FLOAT, n);
            for (int i = 0; i < n; i++) send.setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) rnd.nextGaussian());
            Nccl.allReduceSumFloat(send, recv, n, single, MemorySegment.NULL);
            check("ncclAllReduce (float32, sum, size_t count " + n + ") of one rank", recv.mismatch(send) == -1, () -> "differs at byte " + recv.mismatch(send));
        }
        Nccl.commDestroy(single);
        Nccl.commDestroy(comm);
        try {
            Nccl.commDestroy(comm);
            check("a second ncclCommDestroy fails", false, () -> "no exception");
        } catch (KilnNativeException e) {
            check("a failed call names the function, ncclInvalidArgument and NCCL's own string",
                    e.getMessage().contains("ncclCommDestroy") && e.getMessage().contains("ncclInvalidArgument")
                            && e.getMessage().contains("invalid argument (run with NCCL_DEBUG=WARN for details)") && !e.getMessage().contains("\n"), e::getMessage);
        }
        try {
            Nccl.commInitRank(2, new byte[64], 0);
            check("a short id is refused", false, () -> "no exception");
        } catch (IllegalArgumentException e) {
            check("a short id is refused before the call", e.getMessage().equals("ncclUniqueId must be 128 bytes, was 64"), e::getMessage);
        }
    }

    private static void check(String what, boolean ok, Supplier<String> detail) {
        if (!ok) throw new AssertionError(what + ": " + detail.get());
        System.out.println("ok " + what);
    }
}
