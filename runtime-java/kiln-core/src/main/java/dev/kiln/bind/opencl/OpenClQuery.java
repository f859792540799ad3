package dev.kiln.bind.opencl;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

import static dev.kiln.bind.opencl.OpenClLibrary.C_INT;
import static dev.kiln.bind.opencl.OpenClLibrary.C_LONG;
import static dev.kiln.bind.opencl.OpenClLibrary.C_POINTER;

/**
 * Typed reads of the {@code clGet*Info} queries: the two-call size-then-value dance done once,
 * every status checked.
 */
public final class OpenClQuery {
    private OpenClQuery() {}

    /** Every platform the ICD loader knows; empty when there is none (the loader reports CL_PLATFORM_NOT_FOUND_KHR). */
    public static List<MemorySegment> platforms() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment count = arena.allocate(C_INT);
            int rc = OpenCl.clGetPlatformIDs(0, MemorySegment.NULL, count);
            if (rc == -1001) return List.of();
            OpenClStatus.check(rc, "clGetPlatformIDs");
            int n = count.get(C_INT, 0);
            if (n == 0) return List.of();
            MemorySegment ids = arena.allocate(C_POINTER, n);
            OpenClStatus.check(OpenCl.clGetPlatformIDs(n, ids, MemorySegment.NULL), "clGetPlatformIDs");
            return handles(ids, n);
        }
    }

    /** The platform's devices of {@code type}; empty when it has none (CL_DEVICE_NOT_FOUND). */
    public static List<MemorySegment> devices(MemorySegment platform, long type) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment count = arena.allocate(C_INT);
            int rc = OpenCl.clGetDeviceIDs(platform, type, 0, MemorySegment.NULL, count);
            if (rc == -1) return List.of();
            OpenClStatus.check(rc, "clGetDeviceIDs");
            int n = count.get(C_INT, 0);
            MemorySegment ids = arena.allocate(C_POINTER, n);
            OpenClStatus.check(OpenCl.clGetDeviceIDs(platform, type, n, ids, MemorySegment.NULL), "clGetDeviceIDs");
            return handles(ids, n);
        }
    }

    public static String platformString(MemorySegment platform, int param) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment size = arena.allocate(C_LONG);
            OpenClStatus.check(OpenCl.clGetPlatformInfo(platform, param, 0, MemorySegment.NULL, size), "clGetPlatformInfo");
            MemorySegment value = arena.allocate(Math.max(1, size.get(C_LONG, 0)));
            OpenClStatus.check(OpenCl.clGetPlatformInfo(platform, param, value.byteSize(), value, MemorySegment.NULL), "clGetPlatformInfo");
            return value.getString(0).strip();
        }
    }

    public static String deviceString(MemorySegment device, int param) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment size = arena.allocate(C_LONG);
            OpenClStatus.check(OpenCl.clGetDeviceInfo(device, param, 0, MemorySegment.NULL, size), "clGetDeviceInfo");
            MemorySegment value = arena.allocate(Math.max(1, size.get(C_LONG, 0)));
            OpenClStatus.check(OpenCl.clGetDeviceInfo(device, param, value.byteSize(), value, MemorySegment.NULL), "clGetDeviceInfo");
            return value.getString(0).strip();
        }
    }

    /** A {@code cl_uint} / {@code cl_bool} property. */
    public static int deviceInt(MemorySegment device, int param) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment value = arena.allocate(C_INT);
            OpenClStatus.check(OpenCl.clGetDeviceInfo(device, param, C_INT.byteSize(), value, MemorySegment.NULL), "clGetDeviceInfo");
            return value.get(C_INT, 0);
        }
    }

    /** A {@code cl_ulong}, {@code size_t} or bitfield property. */
    public static long deviceLong(MemorySegment device, int param) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment value = arena.allocate(C_LONG);
            OpenClStatus.check(OpenCl.clGetDeviceInfo(device, param, C_LONG.byteSize(), value, MemorySegment.NULL), "clGetDeviceInfo");
            return value.get(C_LONG, 0);
        }
    }

    /** A {@code cl_uint} kernel property such as {@code CL_KERNEL_NUM_ARGS}. */
    public static int kernelInt(MemorySegment kernel, int param) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment value = arena.allocate(C_INT);
            OpenClStatus.check(OpenCl.clGetKernelInfo(kernel, param, C_INT.byteSize(), value, MemorySegment.NULL), "clGetKernelInfo");
            return value.get(C_INT, 0);
        }
    }

    /** The build log of {@code program} on {@code device}, as the compiler wrote it. */
    public static String buildLog(MemorySegment program, MemorySegment device) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment size = arena.allocate(C_LONG);
            OpenClStatus.check(OpenCl.clGetProgramBuildInfo(program, device, OpenCl.CL_PROGRAM_BUILD_LOG, 0, MemorySegment.NULL, size),
                    "clGetProgramBuildInfo");
            MemorySegment log = arena.allocate(Math.max(1, size.get(C_LONG, 0)));
            OpenClStatus.check(OpenCl.clGetProgramBuildInfo(program, device, OpenCl.CL_PROGRAM_BUILD_LOG, log.byteSize(), log, MemorySegment.NULL),
                    "clGetProgramBuildInfo");
            return log.getString(0).strip();
        }
    }

    /** A {@code cl_ulong} profiling counter of a finished event, in nanoseconds. */
    public static long profilingNanos(MemorySegment event, int param) {
        long[] value = new long[1];
        OpenClStatus.check(OpenCl.clGetEventProfilingInfo(event, param, Long.BYTES, MemorySegment.ofArray(value), MemorySegment.NULL),
                "clGetEventProfilingInfo");
        return value[0];
    }

    /** {@code CL_COMPLETE} (0), {@code CL_RUNNING}, {@code CL_SUBMITTED}, {@code CL_QUEUED}, or a negative error. */
    public static int executionStatus(MemorySegment event) {
        int[] value = new int[1];
        OpenClStatus.check(OpenCl.clGetEventInfo(event, OpenCl.CL_EVENT_COMMAND_EXECUTION_STATUS, Integer.BYTES, MemorySegment.ofArray(value),
                MemorySegment.NULL), "clGetEventInfo");
        return value[0];
    }

    private static List<MemorySegment> handles(MemorySegment array, int n) {
        List<MemorySegment> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) out.add(array.getAtIndex(C_POINTER, i));
        return List.copyOf(out);
    }
}
