package dev.kiln.bind.nccl;

import dev.kiln.device.KilnNativeException;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * NCCL ({@code libnccl.so.2}) through FFM, jextract style. Needs a CUDA GPU and libnccl; on machines
 * without them {@link #isAvailable()} is false and {@link #unavailabilityCause()} says why. Buffers are
 * CUDA device pointers; streams are {@code cudaStream_t} (NULL: the legacy default stream).
 */
public final class Nccl {
    public static final String SONAME = "libnccl.so.2";
    /** ncclUniqueId is 128 opaque bytes passed by value. */
    public static final MemoryLayout UNIQUE_ID = MemoryLayout.sequenceLayout(128, JAVA_BYTE);
    public static final int ncclFloat32 = 7, ncclSum = 0;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIB;
    private static final String CAUSE;

    static {
        SymbolLookup lib = null;
        String cause = null;
        try {
            lib = SymbolLookup.libraryLookup(SONAME, Arena.global());
        } catch (IllegalArgumentException e) {
            cause = SONAME + " not found (NCCL needs an NVIDIA GPU, the CUDA driver and libnccl2): " + e.getMessage();
        }
        LIB = lib;
        CAUSE = cause;
    }

    private Nccl() {}

    public static boolean isAvailable() { return CAUSE == null; }

    public static String unavailabilityCause() { return CAUSE; }

    static MethodHandle handle(String name, FunctionDescriptor d) {
        if (LIB == null) throw new IllegalStateException(CAUSE);
        return LINKER.downcallHandle(LIB.find(name).orElseThrow(() -> new UnsatisfiedLinkError(SONAME + " has no " + name)), d);
    }

    private static final class ncclGetVersion {
        static final MethodHandle HANDLE = handle("ncclGetVersion", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    }

    private static final class ncclGetUniqueId {
        static final MethodHandle HANDLE = handle("ncclGetUniqueId", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    }

    private static final class ncclCommInitRank {
        static final MethodHandle HANDLE = handle("ncclCommInitRank", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, UNIQUE_ID, JAVA_INT));
    }

    private static final class ncclAllReduce {
        static final MethodHandle HANDLE = handle("ncclAllReduce",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
    }

    private static final class ncclCommDestroy {
        static final MethodHandle HANDLE = handle("ncclCommDestroy", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    }

    private static final class ncclGetErrorString {
        static final MethodHandle HANDLE = handle("ncclGetErrorString", FunctionDescriptor.of(ADDRESS, JAVA_INT));
    }

    private static final String[] RESULT_NAMES = {"ncclSuccess", "ncclUnhandledCudaError", "ncclSystemError", "ncclInternalError",
            "ncclInvalidArgument", "ncclInvalidUsage", "ncclRemoteError", "ncclInProgress"};

    public static void check(String function, int status) {
        if (status == 0) return;
        String name = status < RESULT_NAMES.length ? RESULT_NAMES[status] : "ncclResult " + status;
        String detail = null;
        try {
            detail = ((MemorySegment) ncclGetErrorString.HANDLE.invokeExact(status)).reinterpret(1024).getString(0);
        } catch (Throwable ignored) {
            // keep the name alone
        }
        throw new KilnNativeException("NCCL", function, status, name, detail);
    }

    private static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) return r;
        if (t instanceof Error e) throw e;
        return new IllegalStateException(t);
    }

    public static int version() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(JAVA_INT);
            check("ncclGetVersion", (int) ncclGetVersion.HANDLE.invokeExact(v));
            return v.get(JAVA_INT, 0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** A fresh ncclUniqueId (128 bytes) for rank 0 to share with the others over the control channel. */
    public static byte[] uniqueId() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment id = a.allocate(UNIQUE_ID);
            check("ncclGetUniqueId", (int) ncclGetUniqueId.HANDLE.invokeExact(id));
            return id.toArray(JAVA_BYTE);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** ncclCommInitRank; returns the ncclComm_t. */
    public static MemorySegment commInitRank(int nranks, byte[] uniqueId, int rank) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment comm = a.allocate(ADDRESS);
            MemorySegment id = a.allocate(UNIQUE_ID).copyFrom(MemorySegment.ofArray(uniqueId));
            check("ncclCommInitRank", (int) ncclCommInitRank.HANDLE.invokeExact(comm, nranks, id, rank));
            return comm.get(ADDRESS, 0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** ncclAllReduce of fp32 sums on device pointers, enqueued on {@code stream}. */
    public static void allReduceSumFloat(MemorySegment sendDevice, MemorySegment recvDevice, long count, MemorySegment comm, MemorySegment stream) {
        try {
            check("ncclAllReduce", (int) ncclAllReduce.HANDLE.invokeExact(sendDevice, recvDevice, count, ncclFloat32, ncclSum, comm, stream));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static void commDestroy(MemorySegment comm) {
        try {
            check("ncclCommDestroy", (int) ncclCommDestroy.HANDLE.invokeExact(comm));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }
}
