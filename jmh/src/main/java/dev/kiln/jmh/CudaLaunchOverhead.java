package dev.kiln.jmh;

import dev.kiln.bind.cuda.Cuda;
import dev.kiln.bind.cuda.CudaStatus;
import dev.kiln.device.Buffer;
import dev.kiln.device.Device;
import dev.kiln.device.Devices;
import dev.kiln.device.Kernel;
import dev.kiln.device.KernelResources;
import dev.kiln.device.Range;
import jcuda.Pointer;
import jcuda.driver.CUcontext;
import jcuda.driver.CUdevice;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUfunction;
import jcuda.driver.CUmodule;
import jcuda.driver.CUstream;
import jcuda.driver.JCudaDriver;
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

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * The CUDA counterpart of {@link OpenClLaunchOverhead}: {@code cuLaunchKernel} of a one-thread
 * {@code saxpy} (the runtime's own PTX) and {@code cuStreamSynchronize}, through Kiln's FFM binding
 * and through JCuda 12.6.0 (JNI). Needs an NVIDIA GPU; JCuda's natives were built against CUDA 12.6,
 * and whether they load on a CUDA 13 driver is part of what a run on a GPU machine shows.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--add-modules=jdk.incubator.vector"})
@State(Scope.Thread)
public class CudaLaunchOverhead {
    private final Arena arena = Arena.ofShared();
    private MemorySegment ctx, function, stream, params, values;
    private long x, y;

    private Device device;
    private Kernel kernel;
    private Buffer bx, by;

    @Setup
    public void setUp() {
        byte[] ptx = KernelResources.ptx("basics");
        // Kiln's binding
        CudaStatus.check(Cuda.cuInit(0), "cuInit");
        MemorySegment out = arena.allocate(ValueLayout.ADDRESS);
        CudaStatus.check(Cuda.cuDevicePrimaryCtxRetain(out, 0), "cuDevicePrimaryCtxRetain");
        ctx = out.get(ValueLayout.ADDRESS, 0);
        CudaStatus.check(Cuda.cuCtxSetCurrent(ctx), "cuCtxSetCurrent");
        CudaStatus.check(Cuda.cuModuleLoadDataEx(out, arena.allocateFrom(ValueLayout.JAVA_BYTE, ptx), 0, MemorySegment.NULL, MemorySegment.NULL), "cuModuleLoadDataEx");
        MemorySegment module = out.get(ValueLayout.ADDRESS, 0);
        CudaStatus.check(Cuda.cuModuleGetFunction(out, module, arena.allocateFrom("saxpy")), "cuModuleGetFunction");
        function = out.get(ValueLayout.ADDRESS, 0);
        CudaStatus.check(Cuda.cuStreamCreate(out, Cuda.CU_STREAM_NON_BLOCKING), "cuStreamCreate");
        stream = out.get(ValueLayout.ADDRESS, 0);
        MemorySegment p = arena.allocate(ValueLayout.JAVA_LONG);
        CudaStatus.check(Cuda.cuMemAlloc(p, 64), "cuMemAlloc_v2");
        x = p.get(ValueLayout.JAVA_LONG, 0);
        CudaStatus.check(Cuda.cuMemAlloc(p, 64), "cuMemAlloc_v2");
        y = p.get(ValueLayout.JAVA_LONG, 0);
        values = arena.allocate(32, 8);
        values.set(ValueLayout.JAVA_INT, 0, 1);
        values.set(ValueLayout.JAVA_FLOAT, 8, 2f);
        values.set(ValueLayout.JAVA_LONG, 16, x);
        values.set(ValueLayout.JAVA_LONG, 24, y);
        params = arena.allocate(ValueLayout.ADDRESS, 4);
        for (int i = 0; i < 4; i++) params.setAtIndex(ValueLayout.ADDRESS, i, values.asSlice(i * 8L));

        // Kiln's Device API
        device = Devices.open("cuda");
        kernel = device.kernel("basics", "saxpy");
        bx = device.allocate(64);
        by = device.allocate(64);
    }

    @TearDown
    public void tearDown() {
        bx.close();
        by.close();
        device.close();
    }

    @Benchmark
    public int kilnBinding() {
        CudaStatus.check(Cuda.cuCtxSetCurrent(ctx), "cuCtxSetCurrent");
        CudaStatus.check(Cuda.cuLaunchKernel(function, 1, 1, 1, 1, 1, 1, 0, stream, params, MemorySegment.NULL), "cuLaunchKernel");
        CudaStatus.check(Cuda.cuStreamSynchronize(stream), "cuStreamSynchronize");
        return 1;
    }

    /**
     * JCuda's side in a state of its own: if its natives (built for CUDA 12.6) do not load on the driver
     * at hand, only {@link #jcuda} fails, with JCuda's error, and Kiln's two benchmarks still report.
     */
    @State(Scope.Thread)
    public static class JCuda {
        CUfunction function;
        CUstream stream;
        CUdeviceptr x, y;

        @Setup
        public void setUp() {
            byte[] ptx = KernelResources.ptx("basics");
            JCudaDriver.setExceptionsEnabled(true);
            JCudaDriver.cuInit(0);
            CUdevice dev = new CUdevice();
            JCudaDriver.cuDeviceGet(dev, 0);
            CUcontext ctx = new CUcontext();
            JCudaDriver.cuDevicePrimaryCtxRetain(ctx, dev);
            JCudaDriver.cuCtxSetCurrent(ctx);
            CUmodule module = new CUmodule();
            JCudaDriver.cuModuleLoadData(module, new String(ptx, 0, ptx.length - 1, StandardCharsets.US_ASCII));
            function = new CUfunction();
            JCudaDriver.cuModuleGetFunction(function, module, "saxpy");
            stream = new CUstream();
            JCudaDriver.cuStreamCreate(stream, 1);
            x = new CUdeviceptr();
            y = new CUdeviceptr();
            JCudaDriver.cuMemAlloc(x, 64);
            JCudaDriver.cuMemAlloc(y, 64);
        }
    }

    @Benchmark
    public int jcuda(JCuda j) {
        Pointer args = Pointer.to(Pointer.to(new int[]{1}), Pointer.to(new float[]{2f}), Pointer.to(j.x), Pointer.to(j.y));
        JCudaDriver.cuLaunchKernel(j.function, 1, 1, 1, 1, 1, 1, 0, j.stream, args, null);
        JCudaDriver.cuStreamSynchronize(j.stream);
        return 1;
    }

    @Benchmark
    public long kilnDeviceApi() {
        var e = device.queue().launch(kernel, Range.of1D(1, 1), 1, 2f, bx, by);
        device.queue().finish();
        return e.elapsedNanos();
    }
}
