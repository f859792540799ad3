package dev.kiln.bind.opencl;

import dev.kiln.bind.NativeLibraries;

import java.lang.foreign.AddressLayout;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;

/**
 * The loaded {@code libOpenCL.so.1} (the ICD loader) and the C layouts of its API, declared once.
 * Loading never throws: a machine without the loader gets {@link #isAvailable()} false and a
 * {@link #unavailabilityCause()}, as Netty's native transports do; only calling a function then fails.
 */
public final class OpenClLibrary {
    public static final String SONAME = "libOpenCL.so.1";

    public static final ValueLayout.OfInt C_INT = ValueLayout.JAVA_INT;        // cl_int, cl_uint, cl_bool
    public static final ValueLayout.OfLong C_LONG = ValueLayout.JAVA_LONG;     // cl_ulong, bitfields, properties
    public static final ValueLayout.OfLong C_SIZE_T = ValueLayout.JAVA_LONG;   // size_t on LP64
    public static final AddressLayout C_POINTER = ValueLayout.ADDRESS;         // handles and pointers

    static final Linker LINKER = Linker.nativeLinker();

    private static final SymbolLookup LOOKUP;
    private static final String CAUSE;

    static {
        SymbolLookup lookup = null;
        String cause = null;
        try {
            lookup = NativeLibraries.system(SONAME);
        } catch (IllegalArgumentException | UnsatisfiedLinkError e) {
            cause = "no OpenCL ICD loader: " + SONAME + " cannot be loaded (install ocl-icd-libopencl1 and an ICD such as pocl-opencl-icd)";
        }
        LOOKUP = lookup;
        CAUSE = cause;
    }

    private OpenClLibrary() {}

    public static boolean isAvailable() { return LOOKUP != null; }

    /** Why the library is missing, or null when it loaded. */
    public static String unavailabilityCause() { return CAUSE; }

    static MemorySegment findOrThrow(String symbol) {
        if (LOOKUP == null) throw new UnsatisfiedLinkError(CAUSE);
        return LOOKUP.find(symbol).orElseThrow(() -> new UnsatisfiedLinkError("unresolved symbol in " + SONAME + ": " + symbol));
    }
}
