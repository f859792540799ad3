package dev.kiln.bind.cuda;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

import static dev.kiln.bind.cuda.CudaLibrary.C_INT;
import static dev.kiln.bind.cuda.CudaLibrary.C_POINTER;
import static dev.kiln.bind.cuda.CudaLibrary.C_SIZE_T;
import static dev.kiln.bind.cuda.CudaLibrary.LINKER;
import static dev.kiln.bind.cuda.CudaLibrary.findFirstOrThrow;

/**
 * The CUDA driver API that Kiln uses, bound by hand in the shape jextract generates: one holder class
 * per function (descriptor, address, handle, linked on first use) and a typed static wrapper calling
 * {@code invokeExact}. The symbols are the ones {@code cuda.h} maps the public names to: the
 * {@code _v2} entry points where they exist ({@code cuMemAlloc_v2}, {@code cuMemcpyHtoD_v2},
 * {@code cuStreamDestroy_v2}, ...). Every wrapper returns the raw {@code CUresult}; callers pass it to
 * {@link CudaStatus#check}. {@code CUdeviceptr} is a {@code long}; handles are zero-length segments.
 */
public final class Cuda {
    private Cuda() {}

    // cuda.h constants used by Kiln
    public static final int CUDA_SUCCESS = 0;
    public static final int CUDA_ERROR_NOT_READY = 600;
    public static final int CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_BLOCK = 1;
    public static final int CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK = 8;
    public static final int CU_DEVICE_ATTRIBUTE_WARP_SIZE = 10;
    public static final int CU_DEVICE_ATTRIBUTE_CLOCK_RATE = 13;
    public static final int CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT = 16;
    public static final int CU_DEVICE_ATTRIBUTE_MEMORY_CLOCK_RATE = 36;
    public static final int CU_DEVICE_ATTRIBUTE_GLOBAL_MEMORY_BUS_WIDTH = 37;
    public static final int CU_DEVICE_ATTRIBUTE_L2_CACHE_SIZE = 38;
    public static final int CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR = 75;
    public static final int CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR = 76;
    public static final int CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN = 97;
    public static final int CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES = 8;
    public static final int CU_JIT_INFO_LOG_BUFFER = 3;
    public static final int CU_JIT_INFO_LOG_BUFFER_SIZE_BYTES = 4;
    public static final int CU_JIT_ERROR_LOG_BUFFER = 5;
    public static final int CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES = 6;
    public static final int CU_JIT_LOG_VERBOSE = 12;
    public static final int CU_STREAM_NON_BLOCKING = 1;
    public static final int CU_EVENT_DEFAULT = 0;

    private static AssertionError unreachable(Throwable t) {
        return new AssertionError("should not reach here", t);
    }

    private static final class cuInit {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(C_INT, C_INT);
        static final MemorySegment ADDR = findFirstOrThrow("cuInit");
        static final MethodHandle HANDLE = LINKER.downcallHandle(ADDR, DESC);
    }

    /** {@snippet lang=c : CUresult cuInit(unsigned int Flags) } */
    public static int cuInit(int flags) {
        var mh$ = cuInit.HANDLE;
        try { return (int) mh$.invokeExact(flags); } catch (Throwable t) { throw unreachable(t); }
    }

    private static final class cuDriverGetVersion {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(C_INT, C_POINTER);
        static final MemorySegment ADDR = findFirstOrThrow("cuDriverGetVersion");
        static final MethodHandle HANDLE = LINKER.downcallHandle(ADDR, DESC);
    }

    /** {@snippet lang=c : CUresult cuDriverGetVersion(int *driverVersion) } */
    public static int cuDriverGetVersion(MemorySegment version) {
        var mh$ = cuDriverGetVersion.HANDLE;
        try { return (int) mh$.invokeExact(version); } catch (Throwable t) { throw unreachable(t); }
    }

    private static final class cuDeviceGetCount {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(C_INT, C_POINTER);
        static final MemorySegment ADDR = findFirstOrThrow("cuDeviceGetCount");
        static final MethodHandle HANDLE = LINKER.downcallHandle(ADDR, DESC);
    }

    /** {@snippet lang=c : CUresult cuDeviceGetCount(int *count) } */
    public static int cuDeviceGetCount(MemorySegment count) {
        var mh$ = cuDeviceGetCount.HANDLE;
        try { return (int) mh$.invokeExact(count); } catch (Throwable t) { throw unreachable(t); }
    }

    private static final class cuDeviceGet {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(C_INT, C_POINTER, C_INT);
        static final MemorySegment ADDR = findFirstOrThrow("cuDeviceGet");
        static final MethodHandle HANDLE = LINKER.downcallHandle(ADDR, DESC);
    }

    /** {@snippet lang=c : CUresult cuDeviceGet(CUdevice *device, int ordinal) } */
    public static int cuDeviceGet(MemorySegment device, int ordinal) {
        var mh$ = cuDeviceGet.HANDLE;
        try { return (int) mh$.invokeExact(device, ordinal); } catch (Throwable t) { throw unreachable(t); }
    }

    private static final class cuDeviceGetName {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(C_INT, C_POINTER, C_INT, C_INT);
        static final MemorySegment ADDR = findFirstOrThrow("cuDeviceGetName");
        static final MethodHandle HANDLE = LINKER.downcallHandle(ADDR, DESC);
    }

    /** {@snippet lang=c : CUresult cuDeviceGetName(char *name, int len, CUdevice dev) } */
    public static int cuDeviceGetName(MemorySegment name, int len, int device) {
        var mh$ = cuDeviceGetName.HANDLE;
        try { return (int) mh$.invokeExact(name, len, device); } catch (Throwable t) { throw unreachable(t); }
    }

    private static final class cuDeviceGetAttribute {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(C_INT, C_POINTER, C_INT, C_INT);
        static final MemorySegment ADDR = findFirstOrThrow("cuDeviceGetAttribute");
        static final MethodHandle HANDLE = LINKER.downcallHandle(ADDR, DESC);
    }

    /** {@snippet lang=c : CUresult cuDeviceGetAttribute(int *pi, CUdevice_attribute attrib, CUdevice dev) } */
    public static int cuDeviceGetAttribute(MemorySegment value, int attribute, int device) {
        var mh$ = cuDeviceGetAttribute.HANDLE;
        try { return (int) mh$.invokeExact(value, attribute, device); } catch (Throwable t) { throw unreachable(t); }
    }

    private static final class cuDeviceTotalMem {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(C_INT, C_POINTER, C_INT);
        static final MemorySegment ADDR = findFirstOrThrow("cuDeviceTotalMem_v2");
        static final MethodHandle HANDLE = LINKER.downcallHandle(ADDR, DESC);
    }

    /** {@snippet lang=c : CUresult cuDeviceTotalMem_v2(size_t *bytes, CUdevice dev) } */
    public static int cuDeviceTotalMem(MemorySegment bytes, int device) {
        var mh$ = cuDeviceTotalMem.HANDLE;
        try { return (int) mh$.invokeExact(bytes, device); } catch (Throwable t) { throw unreachable(t); }
    }

    private static final class cuDevicePrimaryCtxRetain {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(C_INT, C_POINTER, C_INT);
        static final MemorySegment ADDR = findFirstOrThrow("cuDevicePrimaryCtxRetain");
        static final MethodHandle HANDLE = LINKER.downcallHandle(ADDR, DESC);
    }

    /** {@snippet lang=c : CUresult cuDevicePrimaryCtxRetain(CUcontext *pctx, CUdevice dev) } */
    public static int cuDevicePrimaryCtxRetain(MemorySegment context, int device) {
        var mh$ = cuDevicePrimaryCtxRetain.HANDLE;
        try { return (int) mh$.invokeExact(context, device); } catch (Throwable t) { throw unreachable(t); }
    }

    private static final class cuDevicePrimaryCtxRelease {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(C_INT, C_INT);
        static final MemorySegment ADDR = findFirstOrThrow("cuDevicePrimaryCtxRelease_v2");
        static final MethodHandle HANDLE = LINKER.downcallHandle(ADDR, DESC);
    }

    /** {@snippet lang=c : CUresult cuDevicePrimaryCtxRelease_v2(CUdevice dev) } */
    public static int cuDevicePrimaryCtxRelease(int device) {
        var mh$ = cuDevicePrimaryCtxRelease.HANDLE;
        try { return (int) mh$.invokeExact(device); } catch (Throwable t) { throw unreachable(t); }
    }

    private static final class cuCtxSetCurrent {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(C_INT, C_POINTER);
        static final MemorySegment ADDR = findFirstOrThrow("cuCtxSetCurrent");
        static final MethodHandle HANDLE = LINKER.downcallHandle(ADDR, DESC);
    }

    /** {@snippet lang=c : CUresult cuCtxSetCurrent(CUcontext ctx) } */
    public static int cuCtxSetCurrent(MemorySegment context) {
        var mh$ = cuCtxSetCurrent.HANDLE;
        try { return (int) mh$.invokeExact(context); } catch (Throwable t) { throw unreachable(t); }
    }

    private static final class cuCtxSynchronize {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(C_INT);
        static final MemorySegment ADDR = findFirstOrThrow("cuCtxSynchronize");
        static final MethodHandle HANDLE = LINKER.downcallHandle(ADDR, DESC);
    }

    /** {@snippet lang=c : CUresult cuCtxSynchronize(void) } */
    public static int cuCtxSynchronize() {
        var mh$ = cuCtxSynchronize.HANDLE;
        try { return (int) mh$.invokeExact(); } catch (Throwable t) { throw unreachable(t); }
    }

    private static final class cuMemGetInfo {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(C_INT, C_POINTER, C_POINTER);
        static final MemorySegment ADDR = findFirstOrThrow("cuMemGetInfo_v2");
        static final MethodHandle HANDLE = LINKER.downcallHandle(ADDR, DESC);
    }

    /** {@snippet lang=c : CUresult cuMemGetInfo_v2(size_t *free, size_t *total) } */
    public static int cuMemGetInfo(MemorySegment free, MemorySegment total) {
        var mh$ = cuMemGetInfo.HANDLE;
        try { return (int) mh$.invokeExact(free, total); } catch (Throwable t) { throw unreachable(t); }
    }

    private static final class cuModuleLoadDataEx {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(C_INT, C_POINTER, C_POINTER, C_INT, C_POINTER, C_POINTER);
        static final MemorySegment ADDR = findFirstOrThrow("cuModuleLoadDataEx");
        static final MethodHandle HANDLE = LINKER.downcallHandle(ADDR, DESC);
    }

    /** {@snippet lang=c : CUresult cuModuleLoadDataEx(CUmodule *module, const void *image, unsigned int numOptions, CUjit_option *options, void **optionValues) } */
    public static int cuModuleLoadDataEx(MemorySegment module, MemorySegment image, int numOptions, MemorySegment options, MemorySegment optionValues) {
        var mh$ = cuModuleLoadDataEx.HANDLE;
        try { return (int) mh$.invokeExact(module, image, numOptions, options, optionValues); } catch (Throwable t) { throw unreachable(t); }
    }

    private static final class cuModuleUnload {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(C_INT, C_POINTER);
        static final MemorySegment ADDR = findFirstOrThrow("cuModuleUnload");
        static final MethodHandle HANDLE = LINKER.downcallHandle(ADDR, DESC);
    }

    /** {@snippet lang=c : CUresult cuModuleUnload(CUmodule hmod) } */
    public static int cuModuleUnload(MemorySegment module) {
        var mh$ = cuModuleUnload.HANDLE;
        try { return (int) mh$.invokeExact(module); } catch (Throwable t) { throw unreachable(t); }
    }

    private static final class cuModuleGetFunction {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(C_INT, C_POINTER, C_POINTER, C_POINTER);
        static final MemorySegment ADDR = findFirstOrThrow("cuModuleGetFunction");
        static final MethodHandle HANDLE = LINKER.downcallHandle(ADDR, DESC);
    }

    /** {@snippet lang=c : CUresult cuModuleGetFunction(CUfunction *hfunc, CUmodule hmod, const char *name) } */
    public static int cuModuleGetFunction(MemorySegment function, MemorySegment module, MemorySegment name) {
        var mh$ = cuModuleGetFunction.HANDLE;
        try { return (int) mh$.invokeExact(function, module, name); } catch (Throwable t) { throw unreachable(t); }
    }

    private static final class cuFuncSetAttribute {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(C_INT, C_POINTER, C_INT, C_INT);
        static final MemorySegment ADDR = findFirstOrThrow("cuFuncSetAttribute");
        static final MethodHandle HANDLE = LINKER.downcallHandle(ADDR, DESC);
    }

    /** {@snippet lang=c : CUresult cuFuncSetAttribute(CUfunction hfunc, CUfunction_attribute attrib, int value) } */
    public static int cuFuncSetAttribute(MemorySegment function, int attribute, int value) {
        var mh$ = cuFuncSetAttribute.HANDLE;
        try { return (int) mh$.invokeExact(function, attribute, value); } catch (Throwable t) { throw unreachable(t); }
    }

    private static final class cuFuncGetParamInfo {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(C_INT, C_POINTER, C_SIZE_T, C_POINTER, C_POINTER);
        static final MemorySegment ADDR = findFirstOrThrow("cuFuncGetParamInfo");
        static final MethodHandle HANDLE = LINKER.downcallHandle(ADDR, DESC);
    }

    /**
     * {@snippet lang=c : CUresult cuFuncGetParamInfo(CUfunction func, size_t paramIndex, size_t *paramOffset, size_t *paramSize) }
     * CUDA 12.4 and later; returns CUDA_ERROR_INVALID_VALUE past the last parameter.
     */
    public static int cuFuncGetParamInfo(MemorySegment function, long index, MemorySegment offset, MemorySegment size) {
        var mh$ = cuFuncGetParamInfo.HANDLE;
        try { return (int) mh$.invokeExact(function, index, offset, size); } catch (Throwable t) { throw unreachable(t); }
    }

    /** Whether the driver exports {@code cuFuncGetParamInfo} (CUDA 12.4+), which lets launches check argument sizes. */
    public static boolean hasFuncGetParamInfo() {
        try {
            findFirstOrThrow("cuFuncGetParamInfo");
            return true;
        } catch (UnsatisfiedLinkError e) {
            return false;
        }
    }

    private static final class cuLaunchKernel {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(C_INT, C_POINTER, C_INT, C_INT, C_INT, C_INT, C_INT, C_INT, C_INT, C_POINTER, C_POINTER, C_POINTER);
        static final MemorySegment ADDR = findFirstOrThrow("cuLaunchKernel");
        static final MethodHandle HANDLE = LINKER.downcallHandle(ADDR, DESC);
    }

    /** {@snippet lang=c : CUresult cuLaunchKernel(CUfunction f, unsigned gridDimX, unsigned gridDimY, unsigned gridDimZ, unsigned blockDimX, unsigned blockDimY, unsigned blockDimZ, unsigned sharedMemBytes, CUstream hStream, void **kernelParams, void **extra) } */
    public static int cuLaunchKernel(MemorySegment function, int gridX, int gridY, int gridZ, int blockX, int blockY, int blockZ, int sharedMemBytes, MemorySegment stream, MemorySegment kernelParams, MemorySegment extra) {
        var mh$ = cuLaunchKernel.HANDLE;
        try { return (int) mh$.invokeExact(function, gridX, gridY, gridZ, blockX, blockY, blockZ, sharedMemBytes, stream, kernelParams, extra); } catch (Throwable t) { throw unreachable(t); }
    }

    private static final class cuMemAlloc {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(C_INT, C_POINTER, C_SIZE_T);
        static final MemorySegment ADDR = findFirstOrThrow("cuMemAlloc_v2");
        static final MethodHandle HANDLE = LINKER.downcallHandle(ADDR, DESC);
    }

    /** {@snippet lang=c : CUresult cuMemAlloc_v2(CUdeviceptr *dptr, size_t bytesize) } */
    public static int cuMemAlloc(MemorySegment dptr, long bytes) {
        var mh$ = cuMemAlloc.HANDLE;
        try { return (int) mh$.invokeExact(dptr, bytes); } catch (Throwable t) { throw unreachable(t); }
    }

    private static final class cuMemFree {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(C_INT, C_SIZE_T);
        static final MemorySegment ADDR = findFirstOrThrow("cuMemFree_v2");
        static final MethodHandle HANDLE = LINKER.downcallHandle(ADDR, DESC);
    }

    /** {@snippet lang=c : CUresult cuMemFree_v2(CUdeviceptr dptr) } */
    public static int cuMemFree(long dptr) {
        var mh$ = cuMemFree.HANDLE;
        try { return (int) mh$.invokeExact(dptr); } catch (Throwable t) { throw unreachable(t); }
    }

    private static final class cuMemcpyHtoD {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(C_INT, C_SIZE_T, C_POINTER, C_SIZE_T);
        static final MemorySegment ADDR = findFirstOrThrow("cuMemcpyHtoD_v2");
        static final MethodHandle HANDLE = LINKER.downcallHandle(ADDR, DESC);
    }

    /** {@snippet lang=c : CUresult cuMemcpyHtoD_v2(CUdeviceptr dstDevice, const void *srcHost, size_t ByteCount) } */
    public static int cuMemcpyHtoD(long dst, MemorySegment src, long bytes) {
        var mh$ = cuMemcpyHtoD.HANDLE;
        try { return (int) mh$.invokeExact(dst, src, bytes); } catch (Throwable t) { throw unreachable(t); }
    }

    private static final class cuMemcpyDtoH {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(C_INT, C_POINTER, C_SIZE_T, C_SIZE_T);
        static final MemorySegment ADDR = findFirstOrThrow("cuMemcpyDtoH_v2");
        static final MethodHandle HANDLE = LINKER.downcallHandle(ADDR, DESC);
    }

    /** {@snippet lang=c : CUresult cuMemcpyDtoH_v2(void *dstHost, CUdeviceptr srcDevice, size_t ByteCount) } */
    public static int cuMemcpyDtoH(MemorySegment dst, long src, long bytes) {
        var mh$ = cuMemcpyDtoH.HANDLE;
        try { return (int) mh$.invokeExact(dst, src, bytes); } catch (Throwable t) { throw unreachable(t); }
    }

    private static final class cuMemcpyDtoD {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(C_INT, C_SIZE_T, C_SIZE_T, C_SIZE_T);
        static final MemorySegment ADDR = findFirstOrThrow("cuMemcpyDtoD_v2");
        static final MethodHandle HANDLE = LINKER.downcallHandle(ADDR, DESC);
    }

    /** {@snippet lang=c : CUresult cuMemcpyDtoD_v2(CUdeviceptr dstDevice, CUdeviceptr srcDevice, size_t ByteCount) } */
    public static int cuMemcpyDtoD(long dst, long src, long bytes) {
        var mh$ = cuMemcpyDtoD.HANDLE;
        try { return (int) mh$.invokeExact(dst, src, bytes); } catch (Throwable t) { throw unreachable(t); }
    }

    private static final class cuMemcpyHtoDAsync {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(C_INT, C_SIZE_T, C_POINTER, C_SIZE_T, C_POINTER);
        static final MemorySegment ADDR = findFirstOrThrow("cuMemcpyHtoDAsync_v2");
        static final MethodHandle HANDLE = LINKER.downcallHandle(ADDR, DESC);
    }

    /** {@snippet lang=c : CUresult cuMemcpyHtoDAsync_v2(CUdeviceptr dstDevice, const void *srcHost, size_t ByteCount, CUstream hStream) } */
    public static int cuMemcpyHtoDAsync(long dst, MemorySegment src, long bytes, MemorySegment stream) {
        var mh$ = cuMemcpyHtoDAsync.HANDLE;
        try { return (int) mh$.invokeExact(dst, src, bytes, stream); } catch (Throwable t) { throw unreachable(t); }
    }

    private static final class cuMemcpyDtoHAsync {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(C_INT, C_POINTER, C_SIZE_T, C_SIZE_T, C_POINTER);
        static final MemorySegment ADDR = findFirstOrThrow("cuMemcpyDtoHAsync_v2");
        static final MethodHandle HANDLE = LINKER.downcallHandle(ADDR, DESC);
    }

    /** {@snippet lang=c : CUresult cuMemcpyDtoHAsync_v2(void *dstHost, CUdeviceptr srcDevice, size_t ByteCount, CUstream hStream) } */
    public static int cuMemcpyDtoHAsync(MemorySegment dst, long src, long bytes, MemorySegment stream) {
        var mh$ = cuMemcpyDtoHAsync.HANDLE;
        try { return (int) mh$.invokeExact(dst, src, bytes, stream); } catch (Throwable t) { throw unreachable(t); }
    }

    private static final class cuMemsetD32 {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(C_INT, C_SIZE_T, C_INT, C_SIZE_T);
        static final MemorySegment ADDR = findFirstOrThrow("cuMemsetD32_v2");
        static final MethodHandle HANDLE = LINKER.downcallHandle(ADDR, DESC);
    }

    /** {@snippet lang=c : CUresult cuMemsetD32_v2(CUdeviceptr dstDevice, unsigned int ui, size_t N) } */
    public static int cuMemsetD32(long dst, int value, long count) {
        var mh$ = cuMemsetD32.HANDLE;
        try { return (int) mh$.invokeExact(dst, value, count); } catch (Throwable t) { throw unreachable(t); }
    }

    private static final class cuStreamCreate {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(C_INT, C_POINTER, C_INT);
        static final MemorySegment ADDR = findFirstOrThrow("cuStreamCreate");
        static final MethodHandle HANDLE = LINKER.downcallHandle(ADDR, DESC);
    }

    /** {@snippet lang=c : CUresult cuStreamCreate(CUstream *phStream, unsigned int Flags) } */
    public static int cuStreamCreate(MemorySegment stream, int flags) {
        var mh$ = cuStreamCreate.HANDLE;
        try { return (int) mh$.invokeExact(stream, flags); } catch (Throwable t) { throw unreachable(t); }
    }

    private static final class cuStreamSynchronize {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(C_INT, C_POINTER);
        static final MemorySegment ADDR = findFirstOrThrow("cuStreamSynchronize");
        static final MethodHandle HANDLE = LINKER.downcallHandle(ADDR, DESC);
    }

    /** {@snippet lang=c : CUresult cuStreamSynchronize(CUstream hStream) } */
    public static int cuStreamSynchronize(MemorySegment stream) {
        var mh$ = cuStreamSynchronize.HANDLE;
        try { return (int) mh$.invokeExact(stream); } catch (Throwable t) { throw unreachable(t); }
    }

    private static final class cuStreamDestroy {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(C_INT, C_POINTER);
        static final MemorySegment ADDR = findFirstOrThrow("cuStreamDestroy_v2");
        static final MethodHandle HANDLE = LINKER.downcallHandle(ADDR, DESC);
    }

    /** {@snippet lang=c : CUresult cuStreamDestroy_v2(CUstream hStream) } */
    public static int cuStreamDestroy(MemorySegment stream) {
        var mh$ = cuStreamDestroy.HANDLE;
        try { return (int) mh$.invokeExact(stream); } catch (Throwable t) { throw unreachable(t); }
    }

    private static final class cuEventCreate {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(C_INT, C_POINTER, C_INT);
        static final MemorySegment ADDR = findFirstOrThrow("cuEventCreate");
        static final MethodHandle HANDLE = LINKER.downcallHandle(ADDR, DESC);
    }

    /** {@snippet lang=c : CUresult cuEventCreate(CUevent *phEvent, unsigned int Flags) } */
    public static int cuEventCreate(MemorySegment event, int flags) {
        var mh$ = cuEventCreate.HANDLE;
        try { return (int) mh$.invokeExact(event, flags); } catch (Throwable t) { throw unreachable(t); }
    }

    private static final class cuEventRecord {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(C_INT, C_POINTER, C_POINTER);
        static final MemorySegment ADDR = findFirstOrThrow("cuEventRecord");
        static final MethodHandle HANDLE = LINKER.downcallHandle(ADDR, DESC);
    }

    /** {@snippet lang=c : CUresult cuEventRecord(CUevent hEvent, CUstream hStream) } */
    public static int cuEventRecord(MemorySegment event, MemorySegment stream) {
        var mh$ = cuEventRecord.HANDLE;
        try { return (int) mh$.invokeExact(event, stream); } catch (Throwable t) { throw unreachable(t); }
    }

    private static final class cuEventQuery {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(C_INT, C_POINTER);
        static final MemorySegment ADDR = findFirstOrThrow("cuEventQuery");
        static final MethodHandle HANDLE = LINKER.downcallHandle(ADDR, DESC);
    }

    /** {@snippet lang=c : CUresult cuEventQuery(CUevent hEvent) } */
    public static int cuEventQuery(MemorySegment event) {
        var mh$ = cuEventQuery.HANDLE;
        try { return (int) mh$.invokeExact(event); } catch (Throwable t) { throw unreachable(t); }
    }

    private static final class cuEventSynchronize {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(C_INT, C_POINTER);
        static final MemorySegment ADDR = findFirstOrThrow("cuEventSynchronize");
        static final MethodHandle HANDLE = LINKER.downcallHandle(ADDR, DESC);
    }

    /** {@snippet lang=c : CUresult cuEventSynchronize(CUevent hEvent) } */
    public static int cuEventSynchronize(MemorySegment event) {
        var mh$ = cuEventSynchronize.HANDLE;
        try { return (int) mh$.invokeExact(event); } catch (Throwable t) { throw unreachable(t); }
    }

    private static final class cuEventElapsedTime {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(C_INT, C_POINTER, C_POINTER, C_POINTER);
        static final MemorySegment ADDR = findFirstOrThrow("cuEventElapsedTime_v2", "cuEventElapsedTime");
        static final MethodHandle HANDLE = LINKER.downcallHandle(ADDR, DESC);
    }

    /** {@snippet lang=c : CUresult cuEventElapsedTime_v2(float *pMilliseconds, CUevent hStart, CUevent hEnd)  (CUDA 13 name; cuEventElapsedTime before) } */
    public static int cuEventElapsedTime(MemorySegment milliseconds, MemorySegment start, MemorySegment end) {
        var mh$ = cuEventElapsedTime.HANDLE;
        try { return (int) mh$.invokeExact(milliseconds, start, end); } catch (Throwable t) { throw unreachable(t); }
    }

    private static final class cuEventDestroy {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(C_INT, C_POINTER);
        static final MemorySegment ADDR = findFirstOrThrow("cuEventDestroy_v2");
        static final MethodHandle HANDLE = LINKER.downcallHandle(ADDR, DESC);
    }

    /** {@snippet lang=c : CUresult cuEventDestroy_v2(CUevent hEvent) } */
    public static int cuEventDestroy(MemorySegment event) {
        var mh$ = cuEventDestroy.HANDLE;
        try { return (int) mh$.invokeExact(event); } catch (Throwable t) { throw unreachable(t); }
    }

    private static final class cuGetErrorName {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(C_INT, C_INT, C_POINTER);
        static final MemorySegment ADDR = findFirstOrThrow("cuGetErrorName");
        static final MethodHandle HANDLE = LINKER.downcallHandle(ADDR, DESC);
    }

    /** {@snippet lang=c : CUresult cuGetErrorName(CUresult error, const char **pStr) } */
    public static int cuGetErrorName(int error, MemorySegment name) {
        var mh$ = cuGetErrorName.HANDLE;
        try { return (int) mh$.invokeExact(error, name); } catch (Throwable t) { throw unreachable(t); }
    }

    private static final class cuGetErrorString {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(C_INT, C_INT, C_POINTER);
        static final MemorySegment ADDR = findFirstOrThrow("cuGetErrorString");
        static final MethodHandle HANDLE = LINKER.downcallHandle(ADDR, DESC);
    }

    /** {@snippet lang=c : CUresult cuGetErrorString(CUresult error, const char **pStr) } */
    public static int cuGetErrorString(int error, MemorySegment description) {
        var mh$ = cuGetErrorString.HANDLE;
        try { return (int) mh$.invokeExact(error, description); } catch (Throwable t) { throw unreachable(t); }
    }
}
