package dev.kiln.device.opencl;

import dev.kiln.bind.opencl.OpenCl;
import dev.kiln.bind.opencl.OpenClQuery;
import dev.kiln.bind.opencl.OpenClStatus;
import dev.kiln.device.Buffer;
import dev.kiln.device.Device;
import dev.kiln.device.DeviceInfo;
import dev.kiln.device.Kernel;
import dev.kiln.device.KernelResources;
import dev.kiln.device.MemoryAccounting;
import dev.kiln.device.Queue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * One OpenCL device with its own context. Programs are built from the jar's {@code kernels/opencl/*.cl}
 * once per device and cached with their kernels; a failed build throws with the compiler's log. On a CPU
 * device every program is built with {@code -DKILN_CPU_DEVICE=1} ({@link DeviceInfo#cpuShapedKernels()}).
 */
public final class OpenClDevice implements Device {
    /**
     * System property read when a device is opened: {@code gpu} gives a CPU device (PoCL) the GPU shape of the
     * kernels for its lifetime (no {@code KILN_CPU_DEVICE}, GPU work sizes), so that the GPU-shaped kernels are
     * verified on PoCL too; {@code cpu} or unset keeps the device's own shape.
     */
    public static final String KERNEL_SHAPE_PROPERTY = "kiln.opencl.kernelShape";

    private final OpenClBackend.Found found;
    private final DeviceInfo info;
    private final MemorySegment context;
    private final MemoryAccounting accounting;
    private final Map<String, MemorySegment> programs = new ConcurrentHashMap<>();
    private final Map<String, OpenClKernel> kernels = new ConcurrentHashMap<>();
    private final List<OpenClQueue> extraQueues = new CopyOnWriteArrayList<>();
    private final OpenClQueue queue;
    private boolean closed;

    OpenClDevice(OpenClBackend.Found found) {
        this.found = found;
        String shape = System.getProperty(KERNEL_SHAPE_PROPERTY, "cpu");
        if (!shape.equals("cpu") && !shape.equals("gpu")) {
            throw new IllegalArgumentException(KERNEL_SHAPE_PROPERTY + " must be cpu or gpu, was '" + shape + "'");
        }
        this.info = shape.equals("gpu") ? found.info().withProperty("kernelShape", "gpu") : found.info();
        this.accounting = new MemoryAccounting("opencl device '" + found.info().name() + "'");
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment devices = arena.allocateFrom(ValueLayout.ADDRESS, found.device());
            MemorySegment err = arena.allocate(ValueLayout.JAVA_INT);
            this.context = OpenCl.clCreateContext(MemorySegment.NULL, 1, devices, MemorySegment.NULL, MemorySegment.NULL, err);
            OpenClStatus.check(err.get(ValueLayout.JAVA_INT, 0), "clCreateContext");
        }
        this.queue = new OpenClQueue(this);
    }

    MemorySegment context() { return context; }

    MemorySegment clDevice() { return found.device(); }

    MemoryAccounting accounting() { return accounting; }

    @Override public DeviceInfo info() { return info; }

    @Override
    public Buffer allocate(long bytes) {
        OpenClBuffer buffer = new OpenClBuffer(this, bytes);
        accounting.allocated(buffer);
        return buffer;
    }

    @Override
    public Kernel kernel(String program, String function) {
        return kernels.computeIfAbsent(program + "/" + function, key -> {
            MemorySegment built = programs.computeIfAbsent(program, p -> build(p, KernelResources.openClSource(p)));
            return new OpenClKernel(this, program, function, built);
        });
    }

    /**
     * Builds {@code source} as program {@code program} (not cached) and returns its kernel {@code function}:
     * for generated or test sources. The program is released with the device.
     */
    public Kernel kernelFromSource(String program, String source, String function) {
        MemorySegment built = build(program, source);
        String key = program + "#" + System.identityHashCode(built);
        programs.put(key, built);
        OpenClKernel kernel = new OpenClKernel(this, program, function, built);
        kernels.put(key + "/" + function, kernel);
        return kernel;
    }

    private MemorySegment build(String program, String source) {
        MemorySegment handle;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment text = arena.allocateFrom(source);
            MemorySegment strings = arena.allocateFrom(ValueLayout.ADDRESS, text);
            MemorySegment err = arena.allocate(ValueLayout.JAVA_INT);
            handle = OpenCl.clCreateProgramWithSource(context, 1, strings, MemorySegment.NULL, err);
            OpenClStatus.check(err.get(ValueLayout.JAVA_INT, 0), "clCreateProgramWithSource", "program " + program);
            MemorySegment devices = arena.allocateFrom(ValueLayout.ADDRESS, found.device());
            int rc = OpenCl.clBuildProgram(handle, 1, devices, arena.allocateFrom(buildOptions()), MemorySegment.NULL, MemorySegment.NULL);
            if (rc != OpenCl.CL_SUCCESS) {
                String log;
                try {
                    log = OpenClQuery.buildLog(handle, found.device());
                } catch (RuntimeException e) {
                    log = "(no build log: " + e.getMessage() + ")";
                }
                OpenCl.clReleaseProgram(handle);
                OpenClStatus.check(rc, "clBuildProgram", "program " + program + " on " + info().name() + ", build log:\n" + log);
            }
        }
        return handle;
    }

    /** {@code -DKILN_CPU_DEVICE=1} where the kernels take their CPU shape, so that kernels written for both shapes compile it. */
    String buildOptions() {
        return info().cpuShapedKernels() ? "-DKILN_CPU_DEVICE=1" : "";
    }

    @Override public Queue queue() { return queue; }

    @Override
    public Queue newQueue() {
        OpenClQueue q = new OpenClQueue(this);
        extraQueues.add(q);
        return q;
    }

    void forget(OpenClQueue q) { extraQueues.remove(q); }

    /** Releases queues, kernels, programs and buffers (reporting any still open as a leak), then the context. */
    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        try {
            for (OpenClQueue q : extraQueues) q.close();
            queue.release();
            kernels.values().forEach(OpenClKernel::release);
            programs.values().forEach(p -> OpenClStatus.check(OpenCl.clReleaseProgram(p), "clReleaseProgram"));
            accounting.closeAndReportLeaks();
        } finally {
            OpenClStatus.check(OpenCl.clReleaseContext(context), "clReleaseContext");
        }
    }
}
