package dev.kiln.bind.mpi;

import dev.kiln.device.KilnNativeException;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * Open MPI ({@code libmpi.so.40}) through FFM, in jextract's shape: one holder per function (descriptor,
 * address, handle), called with {@code invokeExact}, every status checked by {@link #check}. Open MPI's
 * predefined handles ({@code MPI_COMM_WORLD}, {@code MPI_FLOAT}, {@code MPI_SUM}, ...) are the addresses of
 * global objects ({@code ompi_mpi_comm_world}, {@code ompi_mpi_float}, {@code ompi_mpi_op_sum}).
 *
 * <p>The library is opened with {@code RTLD_GLOBAL} first: Open MPI's plugins (the TCP BTL, ...) are
 * themselves dlopen'ed and resolve symbols of libmpi/libopen-pal globally, which a private (RTLD_LOCAL)
 * load would hide from them.
 */
public final class Mpi {
    public static final String SONAME = "libmpi.so.40";
    public static final int MPI_THREAD_SINGLE = 0, MPI_THREAD_FUNNELED = 1, MPI_THREAD_SERIALIZED = 2, MPI_THREAD_MULTIPLE = 3;
    /** Open MPI's MPI_IN_PLACE is {@code (void *) 1}. */
    public static final MemorySegment MPI_IN_PLACE = MemorySegment.ofAddress(1);

    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIB;
    private static final Throwable LOAD_ERROR;

    static {
        SymbolLookup lib = null;
        Throwable err = null;
        try {
            globalDlopen(SONAME);
            lib = SymbolLookup.libraryLookup(SONAME, Arena.global());
        } catch (Throwable t) {
            err = t;
        }
        LIB = lib;
        LOAD_ERROR = err;
    }

    private Mpi() {}

    public static boolean isAvailable() { return LOAD_ERROR == null; }

    /** Why Open MPI cannot be used here, or null. */
    public static String unavailabilityCause() {
        return LOAD_ERROR == null ? null : SONAME + " not loadable: " + LOAD_ERROR.getMessage()
                + " (install openmpi-bin libopenmpi-dev)";
    }

    private static void globalDlopen(String soname) throws Throwable {
        MethodHandle dlopen = LINKER.downcallHandle(LINKER.defaultLookup().find("dlopen").orElseThrow(),
                FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_INT));
        try (Arena a = Arena.ofConfined()) {
            MemorySegment h = (MemorySegment) dlopen.invokeExact(a.allocateFrom(soname), 0x2 | 0x100); // RTLD_NOW | RTLD_GLOBAL
            if (h.equals(MemorySegment.NULL)) throw new UnsatisfiedLinkError("dlopen(" + soname + ") failed");
        }
    }

    static MemorySegment symbol(String name) {
        if (LIB == null) throw new IllegalStateException(unavailabilityCause());
        return LIB.find(name).orElseThrow(() -> new UnsatisfiedLinkError(SONAME + " has no symbol " + name));
    }

    static MethodHandle handle(String name, FunctionDescriptor d) {
        return LINKER.downcallHandle(symbol(name), d);
    }

    /** Predefined handles: addresses of Open MPI's global objects. */
    public static MemorySegment commWorld() { return symbol("ompi_mpi_comm_world"); }
    public static MemorySegment floatType() { return symbol("ompi_mpi_float"); }
    public static MemorySegment doubleType() { return symbol("ompi_mpi_double"); }
    public static MemorySegment byteType() { return symbol("ompi_mpi_byte"); }
    public static MemorySegment opSum() { return symbol("ompi_mpi_op_sum"); }
    public static MemorySegment opMax() { return symbol("ompi_mpi_op_max"); }

    private static final class MPI_Init_thread {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_INT, ADDRESS);
        static final MethodHandle HANDLE = handle("MPI_Init_thread", DESC);
    }

    private static final class MPI_Initialized {
        static final MethodHandle HANDLE = handle("MPI_Initialized", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    }

    private static final class MPI_Finalize {
        static final MethodHandle HANDLE = handle("MPI_Finalize", FunctionDescriptor.of(JAVA_INT));
    }

    private static final class MPI_Comm_rank {
        static final MethodHandle HANDLE = handle("MPI_Comm_rank", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    }

    private static final class MPI_Comm_size {
        static final MethodHandle HANDLE = handle("MPI_Comm_size", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    }

    private static final class MPI_Allreduce {
        static final MethodHandle HANDLE = handle("MPI_Allreduce",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_INT, ADDRESS, ADDRESS, ADDRESS));
    }

    private static final class MPI_Reduce_scatter_block {
        static final MethodHandle HANDLE = handle("MPI_Reduce_scatter_block",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_INT, ADDRESS, ADDRESS, ADDRESS));
    }

    private static final class MPI_Allgather {
        static final MethodHandle HANDLE = handle("MPI_Allgather",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, ADDRESS, JAVA_INT, ADDRESS, ADDRESS));
    }

    private static final class MPI_Alltoall {
        static final MethodHandle HANDLE = handle("MPI_Alltoall",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, ADDRESS, JAVA_INT, ADDRESS, ADDRESS));
    }

    private static final class MPI_Bcast {
        static final MethodHandle HANDLE = handle("MPI_Bcast",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT, ADDRESS));
    }

    private static final class MPI_Barrier {
        static final MethodHandle HANDLE = handle("MPI_Barrier", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    }

    private static final class MPI_Error_string {
        static final MethodHandle HANDLE = handle("MPI_Error_string", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
    }

    /** Throws {@link KilnNativeException} with MPI's own error text when {@code status != MPI_SUCCESS}. */
    public static void check(String function, int status) {
        if (status == 0) return;
        String name = "MPI error " + status;
        try (Arena a = Arena.ofConfined()) {
            MemorySegment buf = a.allocate(512);
            MemorySegment len = a.allocate(JAVA_INT);
            if ((int) MPI_Error_string.HANDLE.invokeExact(status, buf, len) == 0) name = buf.getString(0);
        } catch (Throwable ignored) {
            // keep the numeric name
        }
        throw new KilnNativeException("Open MPI", function, status, name);
    }

    private static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) return r;
        if (t instanceof Error e) throw e;
        return new IllegalStateException(t);
    }

    /** {@code MPI_Init_thread(NULL, NULL, required, &provided)}: returns the thread level provided. */
    public static int initThread(int required) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment provided = a.allocate(JAVA_INT);
            check("MPI_Init_thread", (int) MPI_Init_thread.HANDLE.invokeExact(MemorySegment.NULL, MemorySegment.NULL, required, provided));
            return provided.get(JAVA_INT, 0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static boolean initialized() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment flag = a.allocate(JAVA_INT);
            check("MPI_Initialized", (int) MPI_Initialized.HANDLE.invokeExact(flag));
            return flag.get(JAVA_INT, 0) != 0;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static void finalizeMpi() {
        try {
            check("MPI_Finalize", (int) MPI_Finalize.HANDLE.invokeExact());
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static int commRank(MemorySegment comm) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(JAVA_INT);
            check("MPI_Comm_rank", (int) MPI_Comm_rank.HANDLE.invokeExact(comm, out));
            return out.get(JAVA_INT, 0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static int commSize(MemorySegment comm) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(JAVA_INT);
            check("MPI_Comm_size", (int) MPI_Comm_size.HANDLE.invokeExact(comm, out));
            return out.get(JAVA_INT, 0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static void allreduce(MemorySegment send, MemorySegment recv, int count, MemorySegment type, MemorySegment op, MemorySegment comm) {
        try {
            check("MPI_Allreduce", (int) MPI_Allreduce.HANDLE.invokeExact(send, recv, count, type, op, comm));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static void reduceScatterBlock(MemorySegment send, MemorySegment recv, int recvCount, MemorySegment type, MemorySegment op, MemorySegment comm) {
        try {
            check("MPI_Reduce_scatter_block", (int) MPI_Reduce_scatter_block.HANDLE.invokeExact(send, recv, recvCount, type, op, comm));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static void allgather(MemorySegment send, int sendCount, MemorySegment sendType, MemorySegment recv, int recvCount,
                                 MemorySegment recvType, MemorySegment comm) {
        try {
            check("MPI_Allgather", (int) MPI_Allgather.HANDLE.invokeExact(send, sendCount, sendType, recv, recvCount, recvType, comm));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static void alltoall(MemorySegment send, int sendCount, MemorySegment sendType, MemorySegment recv, int recvCount,
                                MemorySegment recvType, MemorySegment comm) {
        try {
            check("MPI_Alltoall", (int) MPI_Alltoall.HANDLE.invokeExact(send, sendCount, sendType, recv, recvCount, recvType, comm));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static void bcast(MemorySegment data, int count, MemorySegment type, int root, MemorySegment comm) {
        try {
            check("MPI_Bcast", (int) MPI_Bcast.HANDLE.invokeExact(data, count, type, root, comm));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static void barrier(MemorySegment comm) {
        try {
            check("MPI_Barrier", (int) MPI_Barrier.HANDLE.invokeExact(comm));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

}
