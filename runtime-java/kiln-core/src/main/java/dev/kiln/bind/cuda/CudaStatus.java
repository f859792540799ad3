package dev.kiln.bind.cuda;

import dev.kiln.device.KilnNativeException;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/** The one status check of the CUDA binding: a non-zero {@code CUresult} becomes a {@link KilnNativeException} named by {@code cuGetErrorName}. */
public final class CudaStatus {
    public static final String LIBRARY = "CUDA driver";

    private CudaStatus() {}

    public static void check(int rc, String function) {
        if (rc != 0) throw new KilnNativeException(LIBRARY, function, rc, name(rc), description(rc));
    }

    /** As {@link #check(int, String)}, with more detail (a JIT log, the arguments) after the driver's description. */
    public static void check(int rc, String function, String detail) {
        if (rc != 0) {
            String d = description(rc);
            throw new KilnNativeException(LIBRARY, function, rc, name(rc), d == null ? detail : d + "\n" + detail);
        }
    }

    /** {@code CUDA_ERROR_OUT_OF_MEMORY} and so on, from the driver itself. */
    public static String name(int rc) {
        String name = lookup(rc, true);
        return name != null ? name : "CUDA_ERROR_UNKNOWN_CODE_" + rc;
    }

    private static String description(int rc) {
        return lookup(rc, false);
    }

    private static String lookup(int rc, boolean name) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(CudaLibrary.C_POINTER);
            int r = name ? Cuda.cuGetErrorName(rc, out) : Cuda.cuGetErrorString(rc, out);
            MemorySegment p = out.get(CudaLibrary.C_POINTER, 0);
            if (r != 0 || p.equals(MemorySegment.NULL)) return null;
            return p.reinterpret(4096).getString(0);
        } catch (UnsatisfiedLinkError | NoClassDefFoundError e) {
            return null;
        }
    }
}
