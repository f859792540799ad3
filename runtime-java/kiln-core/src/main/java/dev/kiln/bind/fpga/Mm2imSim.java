package dev.kiln.bind.fpga;

import dev.kiln.bind.BundledLibrary;
import dev.kiln.device.KilnNativeException;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * FFM binding of {@code libkiln_mm2im_sim.so} ({@code native/fpga/mm2im_sim.cpp}): the MM2IM accelerator's
 * C simulation, built by the Maven build from the same {@code hls/mm2im} sources Vitis synthesises.
 * One holder per function, jextract style; return codes are checked by {@link #check}.
 */
public final class Mm2imSim {
    public static final String LIBRARY = "libkiln_mm2im_sim";

    public static final int OK = 0;
    public static final int NOT_OPEN = -1;
    public static final int ALREADY_OPEN = -2;
    public static final int INPUT_LEFT_OVER = -3;
    public static final int INPUT_UNDERRUN = -4;
    public static final int OUTPUT_OVERFLOW = -5;
    public static final int BAD_ARGUMENT = -6;

    private Mm2imSim() {}

    /** Loaded on first use of any function (the holder idiom), so merely naming this class loads nothing. */
    private static final class Lib {
        static final BundledLibrary LIBRARY = new BundledLibrary("kiln_mm2im_sim");

        static MethodHandle downcall(String name, FunctionDescriptor descriptor) { return LIBRARY.downcall(name, descriptor); }
    }

    /** Null when the library loads; otherwise why it does not. */
    public static String unavailabilityCause() { return Lib.LIBRARY.failure(); }

    private static final class mm2im_sim_open {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(JAVA_INT);
        static final MethodHandle HANDLE = Lib.downcall("mm2im_sim_open", DESC);
    }

    private static final class mm2im_sim_close {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(JAVA_INT);
        static final MethodHandle HANDLE = Lib.downcall("mm2im_sim_close", DESC);
    }

    private static final class mm2im_sim_limits {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT);
        static final MethodHandle HANDLE = Lib.downcall("mm2im_sim_limits", DESC);
    }

    private static final class mm2im_sim_exec {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(JAVA_INT,
                JAVA_INT, ADDRESS, JAVA_LONG, ADDRESS, JAVA_LONG, ADDRESS, ADDRESS, ADDRESS);
        static final MethodHandle HANDLE = Lib.downcall("mm2im_sim_exec", DESC);
    }

    /** {@code int32_t mm2im_sim_open(void)}: resets the simulated accelerator; one per process. */
    public static int open() {
        try {
            return (int) mm2im_sim_open.HANDLE.invokeExact();
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** {@code int32_t mm2im_sim_close(void)}. */
    public static int close() {
        try {
            return (int) mm2im_sim_close.HANDLE.invokeExact();
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** {@code int32_t mm2im_sim_limits(int32_t* out, int32_t n)}: the compile-time sizes, see the C source for the order. */
    public static int limits(MemorySegment out, int n) {
        try {
            return (int) mm2im_sim_limits.HANDLE.invokeExact(out, n);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /**
     * {@code int32_t mm2im_sim_exec(uint32_t opcode, const uint32_t* in, int64_t in_words, uint32_t* out,
     * int64_t out_capacity, int64_t* out_words, uint32_t* status, uint64_t* cycles)}: one accelerator invocation.
     */
    public static int exec(int opcode, MemorySegment in, long inWords, MemorySegment out, long outCapacity,
                           MemorySegment outWords, MemorySegment status, MemorySegment cycles) {
        try {
            return (int) mm2im_sim_exec.HANDLE.invokeExact(opcode, in, inWords, out, outCapacity, outWords, status, cycles);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** Throws {@link KilnNativeException} naming {@code function} and the library's error name unless {@code code} is OK. */
    public static void check(String function, int code) {
        if (code != OK) throw new KilnNativeException(LIBRARY, function, code, errorName(code));
    }

    public static String errorName(int code) {
        return switch (code) {
            case OK -> "MM2IM_SIM_OK";
            case NOT_OPEN -> "MM2IM_SIM_NOT_OPEN";
            case ALREADY_OPEN -> "MM2IM_SIM_ALREADY_OPEN";
            case INPUT_LEFT_OVER -> "MM2IM_SIM_INPUT_LEFT_OVER";
            case INPUT_UNDERRUN -> "MM2IM_SIM_INPUT_UNDERRUN";
            case OUTPUT_OVERFLOW -> "MM2IM_SIM_OUTPUT_OVERFLOW";
            case BAD_ARGUMENT -> "MM2IM_SIM_BAD_ARGUMENT";
            default -> "MM2IM_SIM_UNKNOWN_" + code;
        };
    }

    private static RuntimeException unexpected(Throwable t) {
        if (t instanceof RuntimeException r) return r;
        if (t instanceof Error e) throw e;
        return new IllegalStateException(t);
    }
}
