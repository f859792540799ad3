package dev.kiln.bind.cuda;

import dev.kiln.bind.NativeLibraries;

import java.lang.foreign.AddressLayout;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.util.Optional;

/**
 * The CUDA driver ({@code libcuda.so.1}, installed with the NVIDIA driver, not the toolkit) and the C
 * layouts of its API, declared once. Loading never throws: without the driver {@link #isAvailable()}
 * is false and {@link #unavailabilityCause()} says why; only calling a function then fails.
 */
public final class CudaLibrary {
    public static final String SONAME = "libcuda.so.1";

    public static final ValueLayout.OfInt C_INT = ValueLayout.JAVA_INT;          // CUresult, CUdevice, int, unsigned int
    public static final ValueLayout.OfLong C_SIZE_T = ValueLayout.JAVA_LONG;     // size_t on LP64
    public static final ValueLayout.OfLong C_DEVICEPTR = ValueLayout.JAVA_LONG;  // CUdeviceptr (unsigned long long)
    public static final ValueLayout.OfFloat C_FLOAT = ValueLayout.JAVA_FLOAT;
    public static final AddressLayout C_POINTER = ValueLayout.ADDRESS;           // CUcontext, CUmodule, ... and pointers

    static final Linker LINKER = Linker.nativeLinker();

    private static final SymbolLookup LOOKUP;
    private static final String CAUSE;

    static {
        SymbolLookup lookup = null;
        String cause = null;
        try {
            lookup = NativeLibraries.system(SONAME);
        } catch (IllegalArgumentException | UnsatisfiedLinkError e) {
            cause = "no libcuda: " + SONAME + " cannot be loaded (no NVIDIA driver on this machine)";
        }
        LOOKUP = lookup;
        CAUSE = cause;
    }

    private CudaLibrary() {}

    public static boolean isAvailable() { return LOOKUP != null; }

    /** Why the driver library is missing, or null when it loaded. */
    public static String unavailabilityCause() { return CAUSE; }

    static MemorySegment findOrThrow(String symbol) {
        return find(symbol).orElseThrow(() -> new UnsatisfiedLinkError(LOOKUP == null ? CAUSE : "unresolved symbol in " + SONAME + ": " + symbol));
    }

    /** The first of {@code symbols} the driver exports: a versioned name first, the older one as fallback. */
    static MemorySegment findFirstOrThrow(String... symbols) {
        for (String s : symbols) {
            Optional<MemorySegment> found = find(s);
            if (found.isPresent()) return found.get();
        }
        throw new UnsatisfiedLinkError(LOOKUP == null ? CAUSE : "unresolved symbol in " + SONAME + ": none of " + String.join(", ", symbols));
    }

    private static Optional<MemorySegment> find(String symbol) {
        return LOOKUP == null ? Optional.empty() : LOOKUP.find(symbol);
    }
}
