package dev.kiln.bind.xrt;

import dev.kiln.device.KilnNativeException;
import dev.kiln.bind.NativeLibraries;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * FFM binding of XRT's C API ({@code libxrt_coreutil}: {@code xrt/xrt_device.h}, {@code xrt_kernel.h},
 * {@code xrt_bo.h}), just what the MM2IM driver needs: open a device, load an xclbin, open a PL kernel,
 * allocate and sync buffer objects, run and wait. One holder per function, jextract style. The functions
 * that report failure through {@code errno} are bound with {@code captureCallState("errno")}; their status is
 * checked by {@link #check} / {@link #checkHandle}, which throw {@link KilnNativeException} naming the
 * function and the errno name.
 */
public final class Xrt {
    public static final String LIBRARY = "libxrt_coreutil";
    private static final String[] SONAMES = {"libxrt_coreutil.so.2", "libxrt_coreutil.so"};

    /** {@code enum xclBOSyncDirection}. */
    public static final int XCL_BO_SYNC_BO_TO_DEVICE = 0;
    public static final int XCL_BO_SYNC_BO_FROM_DEVICE = 1;
    /** {@code XRT_BO_FLAGS_NONE}. */
    public static final long XRT_BO_FLAGS_NONE = 0;
    /** {@code enum ert_cmd_state}: the run finished normally. */
    public static final int ERT_CMD_STATE_COMPLETED = 4;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CALL_STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final Linker.Option CAPTURE_ERRNO = Linker.Option.captureCallState("errno");

    private Xrt() {}

    private static final class Lib {
        static final SymbolLookup LOOKUP;
        static final String FAILURE;

        static {
            SymbolLookup lookup = null;
            String failure = null;
            IllegalArgumentException last = null;
            for (String soname : SONAMES) {
                try {
                    lookup = NativeLibraries.system(soname);
                    break;
                } catch (IllegalArgumentException e) {
                    last = e;
                }
            }
            if (lookup == null) {
                failure = "XRT is not installed: none of " + String.join(", ", SONAMES) + " could be loaded ("
                        + (last == null ? "" : last.getMessage()) + "); install XRT and source /opt/xilinx/xrt/setup.sh";
            }
            LOOKUP = lookup;
            FAILURE = failure;
        }

        static MethodHandle downcall(String name, FunctionDescriptor d, Linker.Option... options) {
            if (LOOKUP == null) throw new UnsatisfiedLinkError(FAILURE);
            MemorySegment address = LOOKUP.find(name).orElseThrow(() -> new UnsatisfiedLinkError(LIBRARY + " has no symbol " + name));
            return LINKER.downcallHandle(address, d, options);
        }
    }

    /** Null when libxrt_coreutil loads; otherwise why it does not. */
    public static String unavailabilityCause() { return Lib.FAILURE; }

    /** A segment that receives {@code errno} of a call bound with {@link #CAPTURE_ERRNO}. */
    public static MemorySegment callState(Arena arena) { return arena.allocate(CALL_STATE); }

    public static int errno(MemorySegment callState) { return (int) ERRNO.get(callState, 0L); }

    // xrtDeviceHandle xrtDeviceOpen(unsigned int index);
    private static final class xrtDeviceOpen {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(ADDRESS, JAVA_INT);
        static final MethodHandle HANDLE = Lib.downcall("xrtDeviceOpen", DESC, CAPTURE_ERRNO);
    }

    // int xrtDeviceClose(xrtDeviceHandle dhdl);
    private static final class xrtDeviceClose {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(JAVA_INT, ADDRESS);
        static final MethodHandle HANDLE = Lib.downcall("xrtDeviceClose", DESC);
    }

    // int xrtDeviceLoadXclbinFile(xrtDeviceHandle dhdl, const char* xclbin_fnm);
    private static final class xrtDeviceLoadXclbinFile {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS);
        static final MethodHandle HANDLE = Lib.downcall("xrtDeviceLoadXclbinFile", DESC, CAPTURE_ERRNO);
    }

    // int xrtDeviceGetXclbinUUID(xrtDeviceHandle dhdl, xuid_t out);
    private static final class xrtDeviceGetXclbinUUID {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS);
        static final MethodHandle HANDLE = Lib.downcall("xrtDeviceGetXclbinUUID", DESC, CAPTURE_ERRNO);
    }

    // xrtKernelHandle xrtPLKernelOpen(xrtDeviceHandle deviceHandle, const xuid_t xclbinId, const char *name);
    private static final class xrtPLKernelOpen {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(ADDRESS, ADDRESS, ADDRESS, ADDRESS);
        static final MethodHandle HANDLE = Lib.downcall("xrtPLKernelOpen", DESC, CAPTURE_ERRNO);
    }

    // int xrtKernelClose(xrtKernelHandle kernelHandle);
    private static final class xrtKernelClose {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(JAVA_INT, ADDRESS);
        static final MethodHandle HANDLE = Lib.downcall("xrtKernelClose", DESC);
    }

    // int xrtKernelArgGroupId(xrtKernelHandle kernelHandle, int argno);
    private static final class xrtKernelArgGroupId {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT);
        static final MethodHandle HANDLE = Lib.downcall("xrtKernelArgGroupId", DESC, CAPTURE_ERRNO);
    }

    // xrtBufferHandle xrtBOAlloc(xrtDeviceHandle dhdl, size_t size, xrtBufferFlags flags, xrtMemoryGroup grp);
    private static final class xrtBOAlloc {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_LONG, JAVA_LONG, JAVA_INT);
        static final MethodHandle HANDLE = Lib.downcall("xrtBOAlloc", DESC, CAPTURE_ERRNO);
    }

    // int xrtBOFree(xrtBufferHandle bhdl);
    private static final class xrtBOFree {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(JAVA_INT, ADDRESS);
        static final MethodHandle HANDLE = Lib.downcall("xrtBOFree", DESC);
    }

    // int xrtBOWrite(xrtBufferHandle bhdl, const void* src, size_t size, size_t seek);
    private static final class xrtBOWrite {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG, JAVA_LONG);
        static final MethodHandle HANDLE = Lib.downcall("xrtBOWrite", DESC, CAPTURE_ERRNO);
    }

    // int xrtBORead(xrtBufferHandle bhdl, void* dst, size_t size, size_t skip);
    private static final class xrtBORead {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG, JAVA_LONG);
        static final MethodHandle HANDLE = Lib.downcall("xrtBORead", DESC, CAPTURE_ERRNO);
    }

    // int xrtBOSync(xrtBufferHandle bhdl, enum xclBOSyncDirection dir, size_t size, size_t offset);
    private static final class xrtBOSync {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_LONG, JAVA_LONG);
        static final MethodHandle HANDLE = Lib.downcall("xrtBOSync", DESC, CAPTURE_ERRNO);
    }

    // xrtRunHandle xrtKernelRun(xrtKernelHandle kernelHandle, ...), called with the mm2im_xrt kernel's
    // arguments: (unsigned opcode, bo in, unsigned in_words, bo out, unsigned out_capacity, bo result).
    private static final class xrtKernelRun_mm2im {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(ADDRESS, ADDRESS,
                JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT, ADDRESS);
        static final MethodHandle HANDLE = Lib.downcall("xrtKernelRun", DESC, Linker.Option.firstVariadicArg(1), CAPTURE_ERRNO);
    }

    // enum ert_cmd_state xrtRunWait(xrtRunHandle rhdl);
    private static final class xrtRunWait {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(JAVA_INT, ADDRESS);
        static final MethodHandle HANDLE = Lib.downcall("xrtRunWait", DESC);
    }

    // int xrtRunClose(xrtRunHandle rhdl);
    private static final class xrtRunClose {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(JAVA_INT, ADDRESS);
        static final MethodHandle HANDLE = Lib.downcall("xrtRunClose", DESC);
    }

    public static MemorySegment xrtDeviceOpen(MemorySegment callState, int index) {
        try {
            return (MemorySegment) xrtDeviceOpen.HANDLE.invokeExact(callState, index);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    public static int xrtDeviceClose(MemorySegment device) {
        try {
            return (int) xrtDeviceClose.HANDLE.invokeExact(device);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    public static int xrtDeviceLoadXclbinFile(MemorySegment callState, MemorySegment device, MemorySegment path) {
        try {
            return (int) xrtDeviceLoadXclbinFile.HANDLE.invokeExact(callState, device, path);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    public static int xrtDeviceGetXclbinUUID(MemorySegment callState, MemorySegment device, MemorySegment uuid16) {
        try {
            return (int) xrtDeviceGetXclbinUUID.HANDLE.invokeExact(callState, device, uuid16);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    public static MemorySegment xrtPLKernelOpen(MemorySegment callState, MemorySegment device, MemorySegment uuid16, MemorySegment name) {
        try {
            return (MemorySegment) xrtPLKernelOpen.HANDLE.invokeExact(callState, device, uuid16, name);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    public static int xrtKernelClose(MemorySegment kernel) {
        try {
            return (int) xrtKernelClose.HANDLE.invokeExact(kernel);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    public static int xrtKernelArgGroupId(MemorySegment callState, MemorySegment kernel, int argno) {
        try {
            return (int) xrtKernelArgGroupId.HANDLE.invokeExact(callState, kernel, argno);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    public static MemorySegment xrtBOAlloc(MemorySegment callState, MemorySegment device, long size, long flags, int group) {
        try {
            return (MemorySegment) xrtBOAlloc.HANDLE.invokeExact(callState, device, size, flags, group);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    public static int xrtBOFree(MemorySegment bo) {
        try {
            return (int) xrtBOFree.HANDLE.invokeExact(bo);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    public static int xrtBOWrite(MemorySegment callState, MemorySegment bo, MemorySegment src, long size, long seek) {
        try {
            return (int) xrtBOWrite.HANDLE.invokeExact(callState, bo, src, size, seek);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    public static int xrtBORead(MemorySegment callState, MemorySegment bo, MemorySegment dst, long size, long skip) {
        try {
            return (int) xrtBORead.HANDLE.invokeExact(callState, bo, dst, size, skip);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    public static int xrtBOSync(MemorySegment callState, MemorySegment bo, int direction, long size, long offset) {
        try {
            return (int) xrtBOSync.HANDLE.invokeExact(callState, bo, direction, size, offset);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    public static MemorySegment xrtKernelRunMm2im(MemorySegment callState, MemorySegment kernel, int opcode, MemorySegment in,
                                                  int inWords, MemorySegment out, int outCapacity, MemorySegment result) {
        try {
            return (MemorySegment) xrtKernelRun_mm2im.HANDLE.invokeExact(callState, kernel, opcode, in, inWords, out, outCapacity, result);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    public static int xrtRunWait(MemorySegment run) {
        try {
            return (int) xrtRunWait.HANDLE.invokeExact(run);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    public static int xrtRunClose(MemorySegment run) {
        try {
            return (int) xrtRunClose.HANDLE.invokeExact(run);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** XRT's int-returning calls: 0 is success, otherwise the error is in the return value or errno. */
    public static void check(String function, int rc, MemorySegment callState) {
        if (rc != 0) {
            int errno = callState == null ? 0 : errno(callState);
            int code = errno != 0 ? errno : Math.abs(rc);
            throw new KilnNativeException(LIBRARY, function, code, errnoName(code));
        }
    }

    /** XRT's handle-returning calls: NULL is failure, with the reason in errno. */
    public static MemorySegment checkHandle(String function, MemorySegment handle, MemorySegment callState, String detail) {
        if (handle == null || handle.equals(MemorySegment.NULL)) {
            int errno = errno(callState);
            throw new KilnNativeException(LIBRARY, function, errno, errnoName(errno), detail);
        }
        return handle;
    }

    public static String errnoName(int errno) {
        return switch (errno) {
            case 0 -> "UNKNOWN (errno 0)";
            case 1 -> "EPERM";
            case 2 -> "ENOENT";
            case 5 -> "EIO";
            case 9 -> "EBADF";
            case 11 -> "EAGAIN";
            case 12 -> "ENOMEM";
            case 13 -> "EACCES";
            case 14 -> "EFAULT";
            case 16 -> "EBUSY";
            case 17 -> "EEXIST";
            case 19 -> "ENODEV";
            case 22 -> "EINVAL";
            case 28 -> "ENOSPC";
            case 62 -> "ETIME";
            case 95 -> "EOPNOTSUPP";
            case 110 -> "ETIMEDOUT";
            default -> "errno " + errno;
        };
    }

    private static RuntimeException unexpected(Throwable t) {
        if (t instanceof RuntimeException r) return r;
        if (t instanceof Error e) throw e;
        return new IllegalStateException(t);
    }
}
