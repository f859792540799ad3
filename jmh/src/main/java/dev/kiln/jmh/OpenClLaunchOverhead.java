package dev.kiln.jmh;

import dev.kiln.bind.opencl.OpenCl;
import dev.kiln.bind.opencl.OpenClStatus;
import dev.kiln.device.Buffer;
import dev.kiln.device.Device;
import dev.kiln.device.Devices;
import dev.kiln.device.Kernel;
import dev.kiln.device.Range;
import dev.kiln.device.opencl.OpenClDevice;
import org.jocl.CL;
import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_event;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.lang.foreign.MemorySegment;
import java.util.concurrent.TimeUnit;

/**
 * The cost of one OpenCL kernel launch round trip from Java: set two arguments, enqueue a one-item
 * kernel, wait for it ({@code clFinish}). The same calls through Kiln's FFM binding and through JOCL's
 * JNI binding, on the same OpenCL platform (PoCL on these machines). The {@code *WithProfiling} pair
 * also asks for the kernel's event, reads its start/end counters and releases it, which is what
 * {@link dev.kiln.device.Queue#launch} does; {@code kilnDeviceApi} is that public path. The
 * {@code *SetArgsOnly} pair is the binding cost alone, without the device round trip that dominates on PoCL.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--add-modules=jdk.incubator.vector"})
@State(Scope.Thread)
public class OpenClLaunchOverhead {
    private static final long[] ONE = {1};

    private KilnOpenClSession kiln;
    private JoclSession jocl;
    private Device device;
    private Kernel kernel;
    private Buffer buffer;
    private final Range range = Range.of1D(1, 1);
    private final long[] joclGlobal = {1};
    private int value;

    @Setup
    public void setUp() {
        kiln = new KilnOpenClSession(TinyKernels.OPENCL, "tiny");
        jocl = new JoclSession(TinyKernels.OPENCL, "tiny");
        device = Devices.open("opencl");
        kernel = ((OpenClDevice) device).kernelFromSource("tiny", TinyKernels.OPENCL, "tiny");
        buffer = device.allocate(64);
    }

    @TearDown
    public void tearDown() {
        buffer.close();
        device.close();
        kiln.close();
        jocl.close();
    }

    @Benchmark
    public int kilnBinding() {
        int v = ++value;
        OpenClStatus.check(OpenCl.clSetKernelArg(kiln.kernel, 0, 8, MemorySegment.ofArray(new long[]{kiln.buffer.address()})), "clSetKernelArg");
        OpenClStatus.check(OpenCl.clSetKernelArg(kiln.kernel, 1, 4, MemorySegment.ofArray(new int[]{v})), "clSetKernelArg");
        OpenClStatus.check(OpenCl.clEnqueueNDRangeKernel(kiln.queue, kiln.kernel, 1, MemorySegment.NULL, MemorySegment.ofArray(ONE),
                MemorySegment.ofArray(ONE), 0, MemorySegment.NULL, MemorySegment.NULL), "clEnqueueNDRangeKernel");
        OpenClStatus.check(OpenCl.clFinish(kiln.queue), "clFinish");
        return v;
    }

    @Benchmark
    public int jocl() {
        int v = ++value;
        CL.clSetKernelArg(jocl.kernel, 0, Sizeof.cl_mem, Pointer.to(jocl.buffer));
        CL.clSetKernelArg(jocl.kernel, 1, Sizeof.cl_int, Pointer.to(new int[]{v}));
        CL.clEnqueueNDRangeKernel(jocl.queue, jocl.kernel, 1, null, joclGlobal, joclGlobal, 0, null, null);
        CL.clFinish(jocl.queue);
        return v;
    }

    @Benchmark
    public long kilnBindingWithProfiling() {
        int v = ++value;
        long[] event = new long[1];
        OpenClStatus.check(OpenCl.clSetKernelArg(kiln.kernel, 0, 8, MemorySegment.ofArray(new long[]{kiln.buffer.address()})), "clSetKernelArg");
        OpenClStatus.check(OpenCl.clSetKernelArg(kiln.kernel, 1, 4, MemorySegment.ofArray(new int[]{v})), "clSetKernelArg");
        OpenClStatus.check(OpenCl.clEnqueueNDRangeKernel(kiln.queue, kiln.kernel, 1, MemorySegment.NULL, MemorySegment.ofArray(ONE),
                MemorySegment.ofArray(ONE), 0, MemorySegment.NULL, MemorySegment.ofArray(event)), "clEnqueueNDRangeKernel");
        OpenClStatus.check(OpenCl.clFinish(kiln.queue), "clFinish");
        MemorySegment e = MemorySegment.ofAddress(event[0]);
        long[] t = new long[2];
        OpenClStatus.check(OpenCl.clGetEventProfilingInfo(e, OpenCl.CL_PROFILING_COMMAND_START, 8, MemorySegment.ofArray(t).asSlice(0, 8), MemorySegment.NULL), "clGetEventProfilingInfo");
        OpenClStatus.check(OpenCl.clGetEventProfilingInfo(e, OpenCl.CL_PROFILING_COMMAND_END, 8, MemorySegment.ofArray(t).asSlice(8, 8), MemorySegment.NULL), "clGetEventProfilingInfo");
        OpenClStatus.check(OpenCl.clReleaseEvent(e), "clReleaseEvent");
        return t[1] - t[0];
    }

    @Benchmark
    public long joclWithProfiling() {
        int v = ++value;
        cl_event event = new cl_event();
        CL.clSetKernelArg(jocl.kernel, 0, Sizeof.cl_mem, Pointer.to(jocl.buffer));
        CL.clSetKernelArg(jocl.kernel, 1, Sizeof.cl_int, Pointer.to(new int[]{v}));
        CL.clEnqueueNDRangeKernel(jocl.queue, jocl.kernel, 1, null, joclGlobal, joclGlobal, 0, null, event);
        CL.clFinish(jocl.queue);
        long[] start = new long[1], end = new long[1];
        CL.clGetEventProfilingInfo(event, CL.CL_PROFILING_COMMAND_START, Sizeof.cl_ulong, Pointer.to(start), null);
        CL.clGetEventProfilingInfo(event, CL.CL_PROFILING_COMMAND_END, Sizeof.cl_ulong, Pointer.to(end), null);
        CL.clReleaseEvent(event);
        return end[0] - start[0];
    }

    /** The binding alone, no device work: two clSetKernelArg calls (a cl_mem and an int). */
    @Benchmark
    public int kilnSetArgsOnly() {
        int v = ++value;
        OpenClStatus.check(OpenCl.clSetKernelArg(kiln.kernel, 0, 8, MemorySegment.ofArray(new long[]{kiln.buffer.address()})), "clSetKernelArg");
        OpenClStatus.check(OpenCl.clSetKernelArg(kiln.kernel, 1, 4, MemorySegment.ofArray(new int[]{v})), "clSetKernelArg");
        return v;
    }

    @Benchmark
    public int joclSetArgsOnly() {
        int v = ++value;
        CL.clSetKernelArg(jocl.kernel, 0, Sizeof.cl_mem, Pointer.to(jocl.buffer));
        CL.clSetKernelArg(jocl.kernel, 1, Sizeof.cl_int, Pointer.to(new int[]{v}));
        return v;
    }

    @Benchmark
    public long kilnDeviceApi() {
        int v = ++value;
        var event = device.queue().launch(kernel, range, buffer, v);
        device.queue().finish();
        return event.elapsedNanos();
    }
}
