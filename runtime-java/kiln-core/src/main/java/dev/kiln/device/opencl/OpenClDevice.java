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
 * once per device and cached with their kernels; a failed build throws with the compiler's log.
 */
public final class OpenClDevice implements Device {
    private final OpenClBackend.Found found;
    private final MemorySegment context;
    private final MemoryAccounting accounting;
    private final Map<String, MemorySegment> programs = new ConcurrentHashMap<>();
    private final Map<String, OpenClKernel> kernels = new ConcurrentHashMap<>();
    private final List<OpenClQueue> extraQueues = new CopyOnWriteArrayList<>();
    private final OpenClQueue queue;
    private boolean closed;

    OpenClDevice(OpenClBackend.Found found) {
        this.found = found;
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

    @Override public DeviceInfo info() { return found.info(); }

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
            int rc = OpenCl.clBuildProgram(handle, 1, devices, arena.allocateFrom(""), MemorySegment.NULL, MemorySegment.NULL);
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
