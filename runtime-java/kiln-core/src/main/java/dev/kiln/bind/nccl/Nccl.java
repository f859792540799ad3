package dev.kiln.bind.nccl;

import dev.kiln.device.KilnNativeException;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
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
    /**
     * {@code typedef struct { char internal[128]; } ncclUniqueId;}, passed by value to ncclCommInitRank. It must be a
     * struct layout: the linker passes structs by value (on x86-64 this one is copied onto the stack), but rejects a
     * bare sequence layout as an argument.
     */
    public static final StructLayout UNIQUE_ID = MemoryLayout.structLayout(
            MemoryLayout.sequenceLayout(128, JAVA_BYTE).withName("internal")).withName("ncclUniqueId");
    /** The functions Kiln calls; a library without one of them is unavailable, and says which. */
    static final String[] FUNCTIONS = {"ncclGetVersion", "ncclGetUniqueId", "ncclCommInitRank", "ncclAllReduce", "ncclReduceScatter",
            "ncclAllGather", "ncclBroadcast", "ncclSend", "ncclRecv", "ncclGroupStart", "ncclGroupEnd", "ncclCommGetAsyncError",
            "ncclCommDestroy", "ncclGetErrorString"};
    /** {@code ncclDataType_t} and {@code ncclRedOp_t} values of nccl.h that Kiln uses. */
    public static final int ncclInt8 = 0, ncclUint8 = 1, ncclFloat32 = 7, ncclSum = 0;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIB;
    private static final String CAUSE;

    static {
        SymbolLookup lib = null;
        String cause = null;
        try {
            lib = SymbolLookup.libraryLookup(SONAME, Arena.global());
            for (String f : FUNCTIONS) {
                if (lib.find(f).isEmpty()) {
                    cause = SONAME + " has no " + f + " (not NCCL 2.x?)";
                    break;
                }
            }
        } catch (IllegalArgumentException e) {
            cause = SONAME + " not found (NCCL needs an NVIDIA GPU, the CUDA driver and libnccl2): " + e.getMessage();
        }
        LIB = cause == null ? lib : null;
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

    private static final class ncclReduceScatter {
        static final MethodHandle HANDLE = handle("ncclReduceScatter",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
    }

    private static final class ncclAllGather {
        static final MethodHandle HANDLE = handle("ncclAllGather", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT, ADDRESS, ADDRESS));
    }

    private static final class ncclBroadcast {
        static final MethodHandle HANDLE = handle("ncclBroadcast",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
    }

    private static final class ncclSend {
        static final MethodHandle HANDLE = handle("ncclSend", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
    }

    private static final class ncclRecv {
        static final MethodHandle HANDLE = handle("ncclRecv", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
    }

    private static final class ncclGroupStart {
        static final MethodHandle HANDLE = handle("ncclGroupStart", FunctionDescriptor.of(JAVA_INT));
    }

    private static final class ncclGroupEnd {
        static final MethodHandle HANDLE = handle("ncclGroupEnd", FunctionDescriptor.of(JAVA_INT));
    }

    private static final class ncclCommGetAsyncError {
        static final MethodHandle HANDLE = handle("ncclCommGetAsyncError", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    }

    private static final class ncclCommDestroy {
        static final MethodHandle HANDLE = handle("ncclCommDestroy", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    }

    private static final class ncclGetErrorString {
        static final MethodHandle HANDLE = handle("ncclGetErrorString", FunctionDescriptor.of(ADDRESS, JAVA_INT));
    }

    private static final String[] RESULT_NAMES = {"ncclSuccess", "ncclUnhandledCudaError", "ncclSystemError", "ncclInternalError",
            "ncclInvalidArgument", "ncclInvalidUsage", "ncclRemoteError", "ncclInProgress"};

    /** Throws for a failed call: the function, the result's name and NCCL's own string, on one line. */
    public static void check(String function, int status) {
        check(function, status, null);
    }

    /** As {@link #check(String, int)}, with {@code context} (which rank, which operation) before NCCL's string. */
    public static void check(String function, int status, String context) {
        if (status == 0) return;
        String detail = errorString(status);
        if (context != null) detail = detail == null ? context : context + ": " + detail;
        throw new KilnNativeException("NCCL", function, status, resultName(status), detail);
    }

    /** The {@code ncclResult_t} enumerator's name, e.g. {@code ncclSystemError}. */
    public static String resultName(int status) {
        return status >= 0 && status < RESULT_NAMES.length ? RESULT_NAMES[status] : "ncclResult " + status;
    }

    private static String errorString(int status) {
        try {
            return ((MemorySegment) ncclGetErrorString.HANDLE.invokeExact(status)).reinterpret(1024).getString(0);
        } catch (Throwable ignored) {
            return null; // the name alone then
        }
    }

    private static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) return r;
        if (t instanceof Error e) throw e;
        return new IllegalStateException(t);
    }

    /** NCCL's version code as {@code major.minor.patch} (codes since 2.9 are {@code major*10000 + minor*100 + patch}). */
    public static String versionString() {
        int v = version();
        return v >= 10000 ? (v / 10000) + "." + (v / 100 % 100) + "." + (v % 100) : (v / 1000) + "." + (v / 100 % 10) + "." + (v % 100);
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

    /** ncclCommInitRank on the calling thread's current CUDA device; returns the ncclComm_t. */
    public static MemorySegment commInitRank(int nranks, byte[] uniqueId, int rank) {
        return commInitRank(nranks, uniqueId, rank, null);
    }

    /** As {@link #commInitRank(int, byte[], int)}; {@code context} names the caller in an error. */
    public static MemorySegment commInitRank(int nranks, byte[] uniqueId, int rank, String context) {
        if (uniqueId.length != UNIQUE_ID.byteSize()) {
            throw new IllegalArgumentException("ncclUniqueId must be " + UNIQUE_ID.byteSize() + " bytes, was " + uniqueId.length);
        }
        try (Arena a = Arena.ofConfined()) {
            MemorySegment comm = a.allocate(ADDRESS);
            MemorySegment id = a.allocate(UNIQUE_ID).copyFrom(MemorySegment.ofArray(uniqueId));
            check("ncclCommInitRank", (int) ncclCommInitRank.HANDLE.invokeExact(comm, nranks, id, rank), context);
            return comm.get(ADDRESS, 0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** ncclAllReduce of fp32 sums on device pointers, enqueued on {@code stream}. */
    public static void allReduceSumFloat(MemorySegment sendDevice, MemorySegment recvDevice, long count, MemorySegment comm, MemorySegment stream) {
        check("ncclAllReduce", allReduce(sendDevice, recvDevice, count, ncclFloat32, ncclSum, comm, stream));
    }

    // The raw calls below return the ncclResult_t, so that the caller checks it with its own context (rank, operation).

    /** {@code ncclResult_t ncclAllReduce(const void*, void*, size_t count, ncclDataType_t, ncclRedOp_t, ncclComm_t, cudaStream_t)} */
    public static int allReduce(MemorySegment send, MemorySegment recv, long count, int datatype, int op, MemorySegment comm, MemorySegment stream) {
        try {
            return (int) ncclAllReduce.HANDLE.invokeExact(send, recv, count, datatype, op, comm, stream);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code ncclResult_t ncclReduceScatter(const void*, void*, size_t recvcount, ncclDataType_t, ncclRedOp_t, ncclComm_t, cudaStream_t)} */
    public static int reduceScatter(MemorySegment send, MemorySegment recv, long recvCount, int datatype, int op, MemorySegment comm, MemorySegment stream) {
        try {
            return (int) ncclReduceScatter.HANDLE.invokeExact(send, recv, recvCount, datatype, op, comm, stream);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code ncclResult_t ncclAllGather(const void*, void*, size_t sendcount, ncclDataType_t, ncclComm_t, cudaStream_t)} */
    public static int allGather(MemorySegment send, MemorySegment recv, long sendCount, int datatype, MemorySegment comm, MemorySegment stream) {
        try {
            return (int) ncclAllGather.HANDLE.invokeExact(send, recv, sendCount, datatype, comm, stream);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code ncclResult_t ncclBroadcast(const void*, void*, size_t count, ncclDataType_t, int root, ncclComm_t, cudaStream_t)} */
    public static int broadcast(MemorySegment send, MemorySegment recv, long count, int datatype, int root, MemorySegment comm, MemorySegment stream) {
        try {
            return (int) ncclBroadcast.HANDLE.invokeExact(send, recv, count, datatype, root, comm, stream);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code ncclResult_t ncclSend(const void*, size_t count, ncclDataType_t, int peer, ncclComm_t, cudaStream_t)} */
    public static int send(MemorySegment send, long count, int datatype, int peer, MemorySegment comm, MemorySegment stream) {
        try {
            return (int) ncclSend.HANDLE.invokeExact(send, count, datatype, peer, comm, stream);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code ncclResult_t ncclRecv(void*, size_t count, ncclDataType_t, int peer, ncclComm_t, cudaStream_t)} */
    public static int recv(MemorySegment recv, long count, int datatype, int peer, MemorySegment comm, MemorySegment stream) {
        try {
            return (int) ncclRecv.HANDLE.invokeExact(recv, count, datatype, peer, comm, stream);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code ncclResult_t ncclGroupStart(void)} */
    public static int groupStart() {
        try {
            return (int) ncclGroupStart.HANDLE.invokeExact();
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code ncclResult_t ncclGroupEnd(void)} */
    public static int groupEnd() {
        try {
            return (int) ncclGroupEnd.HANDLE.invokeExact();
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** The error a communicator hit asynchronously (ncclSuccess: none), from {@code ncclCommGetAsyncError}. */
    public static int asyncError(MemorySegment comm) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(JAVA_INT);
            check("ncclCommGetAsyncError", (int) ncclCommGetAsyncError.HANDLE.invokeExact(comm, out));
            return out.get(JAVA_INT, 0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static void commDestroy(MemorySegment comm) {
        check("ncclCommDestroy", commDestroyStatus(comm));
    }

    /** {@code ncclResult_t ncclCommDestroy(ncclComm_t)} */
    public static int commDestroyStatus(MemorySegment comm) {
        try {
            return (int) ncclCommDestroy.HANDLE.invokeExact(comm);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }
}
