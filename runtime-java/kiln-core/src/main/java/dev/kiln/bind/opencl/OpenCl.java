package dev.kiln.bind.opencl;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

import static dev.kiln.bind.opencl.OpenClLibrary.C_INT;
import static dev.kiln.bind.opencl.OpenClLibrary.C_LONG;
import static dev.kiln.bind.opencl.OpenClLibrary.C_POINTER;
import static dev.kiln.bind.opencl.OpenClLibrary.C_SIZE_T;
import static dev.kiln.bind.opencl.OpenClLibrary.LINKER;
import static dev.kiln.bind.opencl.OpenClLibrary.findOrThrow;

/**
 * The OpenCL 1.2/2.0 host API that Kiln uses, bound by hand in the shape jextract generates: one
 * holder class per function (descriptor, address, handle, linked on first use) and a typed static
 * wrapper that calls {@code invokeExact}. Wrappers return the raw status or handle; callers pass the
 * status to {@link OpenClStatus#check}. Handles ({@code cl_context}, {@code cl_mem}, ...) are
 * zero-length {@link MemorySegment}s.
 *
 * <p>{@code clSetKernelArg}, {@code clEnqueueNDRangeKernel} and the event queries are linked
 * {@link Linker.Option#critical critical} with heap access: they are short, never call back into
 * Java, and copy their arguments, so a launch can pass Java arrays without allocating native memory.
 */
public final class OpenCl {
    private OpenCl() {}

    // cl.h constants used by Kiln
    public static final int CL_SUCCESS = 0;
    public static final int CL_FALSE = 0;
    public static final int CL_TRUE = 1;
    public static final int CL_PLATFORM_VERSION = 0x0901;
    public static final int CL_PLATFORM_NAME = 0x0902;
    public static final int CL_PLATFORM_VENDOR = 0x0903;
    public static final long CL_DEVICE_TYPE_CPU = 1L << 1;
    public static final long CL_DEVICE_TYPE_GPU = 1L << 2;
    public static final long CL_DEVICE_TYPE_ACCELERATOR = 1L << 3;
    public static final long CL_DEVICE_TYPE_ALL = 0xFFFFFFFFL;
    public static final int CL_DEVICE_TYPE = 0x1000;
    public static final int CL_DEVICE_MAX_COMPUTE_UNITS = 0x1002;
    public static final int CL_DEVICE_MAX_WORK_GROUP_SIZE = 0x1004;
    public static final int CL_DEVICE_MAX_CLOCK_FREQUENCY = 0x100C;
    public static final int CL_DEVICE_MAX_MEM_ALLOC_SIZE = 0x1010;
    public static final int CL_DEVICE_GLOBAL_MEM_SIZE = 0x101F;
    public static final int CL_DEVICE_LOCAL_MEM_SIZE = 0x1023;
    public static final int CL_DEVICE_NAME = 0x102B;
    public static final int CL_DEVICE_VENDOR = 0x102C;
    public static final int CL_DRIVER_VERSION = 0x102D;
    public static final int CL_DEVICE_VERSION = 0x102F;
    public static final int CL_DEVICE_OPENCL_C_VERSION = 0x103D;
    public static final long CL_QUEUE_PROFILING_ENABLE = 1L << 1;
    public static final long CL_QUEUE_PROPERTIES = 0x1093;
    public static final long CL_MEM_READ_WRITE = 1L;
    public static final long CL_MAP_READ = 1L;
    public static final long CL_MAP_WRITE = 1L << 1;
    public static final int CL_PROGRAM_BUILD_LOG = 0x1183;
    public static final int CL_KERNEL_NUM_ARGS = 0x1191;
    public static final int CL_EVENT_COMMAND_EXECUTION_STATUS = 0x11D3;
    public static final int CL_COMPLETE = 0;
    public static final int CL_PROFILING_COMMAND_QUEUED = 0x1280;
    public static final int CL_PROFILING_COMMAND_SUBMIT = 0x1281;
    public static final int CL_PROFILING_COMMAND_START = 0x1282;
    public static final int CL_PROFILING_COMMAND_END = 0x1283;

    private static final Linker.Option CRITICAL = Linker.Option.critical(true);

    private static MethodHandle link(String name, FunctionDescriptor desc, Linker.Option... options) {
        return LINKER.downcallHandle(findOrThrow(name), desc, options);
    }

    private static AssertionError unreachable(Throwable t) {
        return new AssertionError("should not reach here", t);
    }

    // ---------------------------------------------------------------- platforms and devices

    private static final class clGetPlatformIDs {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(C_INT, C_INT, C_POINTER, C_POINTER);
        static final MethodHandle HANDLE = link("clGetPlatformIDs", DESC);
    }

    /** {@snippet lang=c : cl_int clGetPlatformIDs(cl_uint num_entries, cl_platform_id *platforms, cl_uint *num_platforms) } */
    public static int clGetPlatformIDs(int numEntries, MemorySegment platforms, MemorySegment numPlatforms) {
        var mh$ = clGetPlatformIDs.HANDLE;
        try { return (int) mh$.invokeExact(numEntries, platforms, numPlatforms); } catch (Throwable t) { throw unreachable(t); }
    }

    private static final class clGetPlatformInfo {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(C_INT, C_POINTER, C_INT, C_SIZE_T, C_POINTER, C_POINTER);
        static final MethodHandle HANDLE = link("clGetPlatformInfo", DESC);
    }

    /** {@snippet lang=c : cl_int clGetPlatformInfo(cl_platform_id, cl_platform_info, size_t, void *, size_t *) } */
    public static int clGetPlatformInfo(MemorySegment platform, int param, long size, MemorySegment value, MemorySegment sizeRet) {
        var mh$ = clGetPlatformInfo.HANDLE;
        try { return (int) mh$.invokeExact(platform, param, size, value, sizeRet); } catch (Throwable t) { throw unreachable(t); }
    }

    private static final class clGetDeviceIDs {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(C_INT, C_POINTER, C_LONG, C_INT, C_POINTER, C_POINTER);
        static final MethodHandle HANDLE = link("clGetDeviceIDs", DESC);
    }

    /** {@snippet lang=c : cl_int clGetDeviceIDs(cl_platform_id, cl_device_type, cl_uint num_entries, cl_device_id *, cl_uint *num_devices) } */
    public static int clGetDeviceIDs(MemorySegment platform, long deviceType, int numEntries, MemorySegment devices, MemorySegment numDevices) {
        var mh$ = clGetDeviceIDs.HANDLE;
        try { return (int) mh$.invokeExact(platform, deviceType, numEntries, devices, numDevices); } catch (Throwable t) { throw unreachable(t); }
    }

    private static final class clGetDeviceInfo {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(C_INT, C_POINTER, C_INT, C_SIZE_T, C_POINTER, C_POINTER);
        static final MethodHandle HANDLE = link("clGetDeviceInfo", DESC);
    }

    /** {@snippet lang=c : cl_int clGetDeviceInfo(cl_device_id, cl_device_info, size_t, void *, size_t *) } */
    public static int clGetDeviceInfo(MemorySegment device, int param, long size, MemorySegment value, MemorySegment sizeRet) {
        var mh$ = clGetDeviceInfo.HANDLE;
        try { return (int) mh$.invokeExact(device, param, size, value, sizeRet); } catch (Throwable t) { throw unreachable(t); }
    }

    // ---------------------------------------------------------------- context and queues

    private static final class clCreateContext {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(C_POINTER, C_POINTER, C_INT, C_POINTER, C_POINTER, C_POINTER, C_POINTER);
        static final MethodHandle HANDLE = link("clCreateContext", DESC);
    }

    /** {@snippet lang=c : cl_context clCreateContext(const cl_context_properties *, cl_uint, const cl_device_id *, void (*pfn_notify)(...), void *user_data, cl_int *errcode_ret) } */
    public static MemorySegment clCreateContext(MemorySegment properties, int numDevices, MemorySegment devices,
                                                MemorySegment notify, MemorySegment userData, MemorySegment errcodeRet) {
        var mh$ = clCreateContext.HANDLE;
        try { return (MemorySegment) mh$.invokeExact(properties, numDevices, devices, notify, userData, errcodeRet); } catch (Throwable t) { throw unreachable(t); }
    }

    private static final class clReleaseContext {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(C_INT, C_POINTER);
        static final MethodHandle HANDLE = link("clReleaseContext", DESC);
    }

    public static int clReleaseContext(MemorySegment context) {
        var mh$ = clReleaseContext.HANDLE;
        try { return (int) mh$.invokeExact(context); } catch (Throwable t) { throw unreachable(t); }
    }

    private static final class clCreateCommandQueueWithProperties {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(C_POINTER, C_POINTER, C_POINTER, C_POINTER, C_POINTER);
        static final MethodHandle HANDLE = link("clCreateCommandQueueWithProperties", DESC);
    }

    /** OpenCL 2.0+. {@snippet lang=c : cl_command_queue clCreateCommandQueueWithProperties(cl_context, cl_device_id, const cl_queue_properties *, cl_int *) } */
    public static MemorySegment clCreateCommandQueueWithProperties(MemorySegment context, MemorySegment device,
                                                                   MemorySegment properties, MemorySegment errcodeRet) {
        var mh$ = clCreateCommandQueueWithProperties.HANDLE;
        try { return (MemorySegment) mh$.invokeExact(context, device, properties, errcodeRet); } catch (Throwable t) { throw unreachable(t); }
    }

    /** Whether the loader exports the OpenCL 2.0 queue constructor (it may still fail on a 1.2 platform). */
    public static boolean hasCreateCommandQueueWithProperties() {
        try {
            findOrThrow("clCreateCommandQueueWithProperties");
            return true;
        } catch (UnsatisfiedLinkError e) {
            return false;
        }
    }

    private static final class clCreateCommandQueue {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(C_POINTER, C_POINTER, C_POINTER, C_LONG, C_POINTER);
        static final MethodHandle HANDLE = link("clCreateCommandQueue", DESC);
    }

    /** OpenCL 1.x, deprecated in 2.0: the fallback. {@snippet lang=c : cl_command_queue clCreateCommandQueue(cl_context, cl_device_id, cl_command_queue_properties, cl_int *) } */
    public static MemorySegment clCreateCommandQueue(MemorySegment context, MemorySegment device, long properties, MemorySegment errcodeRet) {
        var mh$ = clCreateCommandQueue.HANDLE;
        try { return (MemorySegment) mh$.invokeExact(context, device, properties, errcodeRet); } catch (Throwable t) { throw unreachable(t); }
    }

    private static final class clReleaseCommandQueue {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(C_INT, C_POINTER);
        static final MethodHandle HANDLE = link("clReleaseCommandQueue", DESC);
    }

    public static int clReleaseCommandQueue(MemorySegment queue) {
        var mh$ = clReleaseCommandQueue.HANDLE;
        try { return (int) mh$.invokeExact(queue); } catch (Throwable t) { throw unreachable(t); }
    }

    private static final class clFinish {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(C_INT, C_POINTER);
        static final MethodHandle HANDLE = link("clFinish", DESC);
    }

    /** Blocks until the queue is empty; never critical, it may wait long. */
    public static int clFinish(MemorySegment queue) {
        var mh$ = clFinish.HANDLE;
        try { return (int) mh$.invokeExact(queue); } catch (Throwable t) { throw unreachable(t); }
    }

    private static final class clFlush {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(C_INT, C_POINTER);
        static final MethodHandle HANDLE = link("clFlush", DESC);
    }

    public static int clFlush(MemorySegment queue) {
        var mh$ = clFlush.HANDLE;
        try { return (int) mh$.invokeExact(queue); } catch (Throwable t) { throw unreachable(t); }
    }

    // ---------------------------------------------------------------- buffers

    private static final class clCreateBuffer {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(C_POINTER, C_POINTER, C_LONG, C_SIZE_T, C_POINTER, C_POINTER);
        static final MethodHandle HANDLE = link("clCreateBuffer", DESC);
    }

    /** {@snippet lang=c : cl_mem clCreateBuffer(cl_context, cl_mem_flags, size_t size, void *host_ptr, cl_int *errcode_ret) } */
    public static MemorySegment clCreateBuffer(MemorySegment context, long flags, long size, MemorySegment hostPtr, MemorySegment errcodeRet) {
        var mh$ = clCreateBuffer.HANDLE;
        try { return (MemorySegment) mh$.invokeExact(context, flags, size, hostPtr, errcodeRet); } catch (Throwable t) { throw unreachable(t); }
    }

    private static final class clReleaseMemObject {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(C_INT, C_POINTER);
        static final MethodHandle HANDLE = link("clReleaseMemObject", DESC);
    }

    public static int clReleaseMemObject(MemorySegment mem) {
        var mh$ = clReleaseMemObject.HANDLE;
        try { return (int) mh$.invokeExact(mem); } catch (Throwable t) { throw unreachable(t); }
    }

    private static final class clEnqueueReadBuffer {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(C_INT, C_POINTER, C_POINTER, C_INT, C_SIZE_T, C_SIZE_T, C_POINTER, C_INT, C_POINTER, C_POINTER);
        static final MethodHandle HANDLE = link("clEnqueueReadBuffer", DESC);
    }

    /** {@snippet lang=c : cl_int clEnqueueReadBuffer(cl_command_queue, cl_mem, cl_bool blocking, size_t offset, size_t size, void *ptr, cl_uint, const cl_event *, cl_event *) } */
    public static int clEnqueueReadBuffer(MemorySegment queue, MemorySegment mem, int blocking, long offset, long size, MemorySegment ptr,
                                          int numEvents, MemorySegment waitList, MemorySegment event) {
        var mh$ = clEnqueueReadBuffer.HANDLE;
        try { return (int) mh$.invokeExact(queue, mem, blocking, offset, size, ptr, numEvents, waitList, event); } catch (Throwable t) { throw unreachable(t); }
    }

    private static final class clEnqueueWriteBuffer {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(C_INT, C_POINTER, C_POINTER, C_INT, C_SIZE_T, C_SIZE_T, C_POINTER, C_INT, C_POINTER, C_POINTER);
        static final MethodHandle HANDLE = link("clEnqueueWriteBuffer", DESC);
    }

    /** {@snippet lang=c : cl_int clEnqueueWriteBuffer(cl_command_queue, cl_mem, cl_bool blocking, size_t offset, size_t size, const void *ptr, cl_uint, const cl_event *, cl_event *) } */
    public static int clEnqueueWriteBuffer(MemorySegment queue, MemorySegment mem, int blocking, long offset, long size, MemorySegment ptr,
                                           int numEvents, MemorySegment waitList, MemorySegment event) {
        var mh$ = clEnqueueWriteBuffer.HANDLE;
        try { return (int) mh$.invokeExact(queue, mem, blocking, offset, size, ptr, numEvents, waitList, event); } catch (Throwable t) { throw unreachable(t); }
    }

    private static final class clEnqueueCopyBuffer {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(C_INT, C_POINTER, C_POINTER, C_POINTER, C_SIZE_T, C_SIZE_T, C_SIZE_T, C_INT, C_POINTER, C_POINTER);
        static final MethodHandle HANDLE = link("clEnqueueCopyBuffer", DESC);
    }

    /** {@snippet lang=c : cl_int clEnqueueCopyBuffer(cl_command_queue, cl_mem src, cl_mem dst, size_t src_offset, size_t dst_offset, size_t size, cl_uint, const cl_event *, cl_event *) } */
    public static int clEnqueueCopyBuffer(MemorySegment queue, MemorySegment src, MemorySegment dst, long srcOffset, long dstOffset, long size,
                                          int numEvents, MemorySegment waitList, MemorySegment event) {
        var mh$ = clEnqueueCopyBuffer.HANDLE;
        try { return (int) mh$.invokeExact(queue, src, dst, srcOffset, dstOffset, size, numEvents, waitList, event); } catch (Throwable t) { throw unreachable(t); }
    }

    private static final class clEnqueueMapBuffer {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(C_POINTER, C_POINTER, C_POINTER, C_INT, C_LONG, C_SIZE_T, C_SIZE_T, C_INT, C_POINTER, C_POINTER, C_POINTER);
        static final MethodHandle HANDLE = link("clEnqueueMapBuffer", DESC);
    }

    /** {@snippet lang=c : void *clEnqueueMapBuffer(cl_command_queue, cl_mem, cl_bool blocking, cl_map_flags, size_t offset, size_t size, cl_uint, const cl_event *, cl_event *, cl_int *errcode_ret) } */
    public static MemorySegment clEnqueueMapBuffer(MemorySegment queue, MemorySegment mem, int blocking, long mapFlags, long offset, long size,
                                                   int numEvents, MemorySegment waitList, MemorySegment event, MemorySegment errcodeRet) {
        var mh$ = clEnqueueMapBuffer.HANDLE;
        try { return (MemorySegment) mh$.invokeExact(queue, mem, blocking, mapFlags, offset, size, numEvents, waitList, event, errcodeRet); } catch (Throwable t) { throw unreachable(t); }
    }

    private static final class clEnqueueUnmapMemObject {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(C_INT, C_POINTER, C_POINTER, C_POINTER, C_INT, C_POINTER, C_POINTER);
        static final MethodHandle HANDLE = link("clEnqueueUnmapMemObject", DESC);
    }

    /** {@snippet lang=c : cl_int clEnqueueUnmapMemObject(cl_command_queue, cl_mem, void *mapped_ptr, cl_uint, const cl_event *, cl_event *) } */
    public static int clEnqueueUnmapMemObject(MemorySegment queue, MemorySegment mem, MemorySegment mapped,
                                              int numEvents, MemorySegment waitList, MemorySegment event) {
        var mh$ = clEnqueueUnmapMemObject.HANDLE;
        try { return (int) mh$.invokeExact(queue, mem, mapped, numEvents, waitList, event); } catch (Throwable t) { throw unreachable(t); }
    }

    // ---------------------------------------------------------------- programs and kernels

    private static final class clCreateProgramWithSource {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(C_POINTER, C_POINTER, C_INT, C_POINTER, C_POINTER, C_POINTER);
        static final MethodHandle HANDLE = link("clCreateProgramWithSource", DESC);
    }

    /** {@snippet lang=c : cl_program clCreateProgramWithSource(cl_context, cl_uint count, const char **strings, const size_t *lengths, cl_int *errcode_ret) } */
    public static MemorySegment clCreateProgramWithSource(MemorySegment context, int count, MemorySegment strings, MemorySegment lengths, MemorySegment errcodeRet) {
        var mh$ = clCreateProgramWithSource.HANDLE;
        try { return (MemorySegment) mh$.invokeExact(context, count, strings, lengths, errcodeRet); } catch (Throwable t) { throw unreachable(t); }
    }

    private static final class clBuildProgram {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(C_INT, C_POINTER, C_INT, C_POINTER, C_POINTER, C_POINTER, C_POINTER);
        static final MethodHandle HANDLE = link("clBuildProgram", DESC);
    }

    /** Compiles; slow, never critical. {@snippet lang=c : cl_int clBuildProgram(cl_program, cl_uint, const cl_device_id *, const char *options, void (*pfn_notify)(cl_program, void *), void *user_data) } */
    public static int clBuildProgram(MemorySegment program, int numDevices, MemorySegment devices, MemorySegment options,
                                     MemorySegment notify, MemorySegment userData) {
        var mh$ = clBuildProgram.HANDLE;
        try { return (int) mh$.invokeExact(program, numDevices, devices, options, notify, userData); } catch (Throwable t) { throw unreachable(t); }
    }

    private static final class clGetProgramBuildInfo {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(C_INT, C_POINTER, C_POINTER, C_INT, C_SIZE_T, C_POINTER, C_POINTER);
        static final MethodHandle HANDLE = link("clGetProgramBuildInfo", DESC);
    }

    /** {@snippet lang=c : cl_int clGetProgramBuildInfo(cl_program, cl_device_id, cl_program_build_info, size_t, void *, size_t *) } */
    public static int clGetProgramBuildInfo(MemorySegment program, MemorySegment device, int param, long size, MemorySegment value, MemorySegment sizeRet) {
        var mh$ = clGetProgramBuildInfo.HANDLE;
        try { return (int) mh$.invokeExact(program, device, param, size, value, sizeRet); } catch (Throwable t) { throw unreachable(t); }
    }

    private static final class clReleaseProgram {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(C_INT, C_POINTER);
        static final MethodHandle HANDLE = link("clReleaseProgram", DESC);
    }

    public static int clReleaseProgram(MemorySegment program) {
        var mh$ = clReleaseProgram.HANDLE;
        try { return (int) mh$.invokeExact(program); } catch (Throwable t) { throw unreachable(t); }
    }

    private static final class clCreateKernel {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(C_POINTER, C_POINTER, C_POINTER, C_POINTER);
        static final MethodHandle HANDLE = link("clCreateKernel", DESC);
    }

    /** {@snippet lang=c : cl_kernel clCreateKernel(cl_program, const char *kernel_name, cl_int *errcode_ret) } */
    public static MemorySegment clCreateKernel(MemorySegment program, MemorySegment name, MemorySegment errcodeRet) {
        var mh$ = clCreateKernel.HANDLE;
        try { return (MemorySegment) mh$.invokeExact(program, name, errcodeRet); } catch (Throwable t) { throw unreachable(t); }
    }

    private static final class clReleaseKernel {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(C_INT, C_POINTER);
        static final MethodHandle HANDLE = link("clReleaseKernel", DESC);
    }

    public static int clReleaseKernel(MemorySegment kernel) {
        var mh$ = clReleaseKernel.HANDLE;
        try { return (int) mh$.invokeExact(kernel); } catch (Throwable t) { throw unreachable(t); }
    }

    private static final class clGetKernelInfo {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(C_INT, C_POINTER, C_INT, C_SIZE_T, C_POINTER, C_POINTER);
        static final MethodHandle HANDLE = link("clGetKernelInfo", DESC);
    }

    /** {@snippet lang=c : cl_int clGetKernelInfo(cl_kernel, cl_kernel_info, size_t, void *, size_t *) } */
    public static int clGetKernelInfo(MemorySegment kernel, int param, long size, MemorySegment value, MemorySegment sizeRet) {
        var mh$ = clGetKernelInfo.HANDLE;
        try { return (int) mh$.invokeExact(kernel, param, size, value, sizeRet); } catch (Throwable t) { throw unreachable(t); }
    }

    private static final class clSetKernelArg {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(C_INT, C_POINTER, C_INT, C_SIZE_T, C_POINTER);
        static final MethodHandle HANDLE = link("clSetKernelArg", DESC, CRITICAL);
    }

    /**
     * {@snippet lang=c : cl_int clSetKernelArg(cl_kernel, cl_uint arg_index, size_t arg_size, const void *arg_value) }
     * The value is copied by OpenCL, so {@code value} may be a heap segment; {@link MemorySegment#NULL} with a
     * size declares {@code __local} memory.
     */
    public static int clSetKernelArg(MemorySegment kernel, int index, long size, MemorySegment value) {
        var mh$ = clSetKernelArg.HANDLE;
        try { return (int) mh$.invokeExact(kernel, index, size, value); } catch (Throwable t) { throw unreachable(t); }
    }

    private static final class clEnqueueNDRangeKernel {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(C_INT, C_POINTER, C_POINTER, C_INT, C_POINTER, C_POINTER, C_POINTER, C_INT, C_POINTER, C_POINTER);
        static final MethodHandle HANDLE = link("clEnqueueNDRangeKernel", DESC, CRITICAL);
    }

    /**
     * {@snippet lang=c : cl_int clEnqueueNDRangeKernel(cl_command_queue, cl_kernel, cl_uint work_dim, const size_t *global_offset,
     *                                const size_t *global_size, const size_t *local_size, cl_uint, const cl_event *, cl_event *event) }
     * Size arrays and the event out-parameter may be heap segments (the call copies them and returns).
     */
    public static int clEnqueueNDRangeKernel(MemorySegment queue, MemorySegment kernel, int workDim, MemorySegment globalOffset,
                                             MemorySegment globalSize, MemorySegment localSize, int numEvents, MemorySegment waitList, MemorySegment event) {
        var mh$ = clEnqueueNDRangeKernel.HANDLE;
        try { return (int) mh$.invokeExact(queue, kernel, workDim, globalOffset, globalSize, localSize, numEvents, waitList, event); } catch (Throwable t) { throw unreachable(t); }
    }

    // ---------------------------------------------------------------- events

    private static final class clWaitForEvents {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(C_INT, C_INT, C_POINTER);
        static final MethodHandle HANDLE = link("clWaitForEvents", DESC);
    }

    public static int clWaitForEvents(int numEvents, MemorySegment events) {
        var mh$ = clWaitForEvents.HANDLE;
        try { return (int) mh$.invokeExact(numEvents, events); } catch (Throwable t) { throw unreachable(t); }
    }

    private static final class clGetEventInfo {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(C_INT, C_POINTER, C_INT, C_SIZE_T, C_POINTER, C_POINTER);
        static final MethodHandle HANDLE = link("clGetEventInfo", DESC, CRITICAL);
    }

    /** {@snippet lang=c : cl_int clGetEventInfo(cl_event, cl_event_info, size_t, void *, size_t *) } */
    public static int clGetEventInfo(MemorySegment event, int param, long size, MemorySegment value, MemorySegment sizeRet) {
        var mh$ = clGetEventInfo.HANDLE;
        try { return (int) mh$.invokeExact(event, param, size, value, sizeRet); } catch (Throwable t) { throw unreachable(t); }
    }

    private static final class clGetEventProfilingInfo {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(C_INT, C_POINTER, C_INT, C_SIZE_T, C_POINTER, C_POINTER);
        static final MethodHandle HANDLE = link("clGetEventProfilingInfo", DESC, CRITICAL);
    }

    /** {@snippet lang=c : cl_int clGetEventProfilingInfo(cl_event, cl_profiling_info, size_t, void *, size_t *) } (values in ns) */
    public static int clGetEventProfilingInfo(MemorySegment event, int param, long size, MemorySegment value, MemorySegment sizeRet) {
        var mh$ = clGetEventProfilingInfo.HANDLE;
        try { return (int) mh$.invokeExact(event, param, size, value, sizeRet); } catch (Throwable t) { throw unreachable(t); }
    }

    private static final class clReleaseEvent {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(C_INT, C_POINTER);
        static final MethodHandle HANDLE = link("clReleaseEvent", DESC);
    }

    public static int clReleaseEvent(MemorySegment event) {
        var mh$ = clReleaseEvent.HANDLE;
        try { return (int) mh$.invokeExact(event); } catch (Throwable t) { throw unreachable(t); }
    }
}
