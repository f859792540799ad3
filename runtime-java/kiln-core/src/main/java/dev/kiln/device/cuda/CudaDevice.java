package dev.kiln.device.cuda;

import dev.kiln.bind.cuda.Cuda;
import dev.kiln.bind.cuda.CudaStatus;
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
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * One GPU through its primary context (the one the runtime API shares, so Kiln interoperates with
 * libraries that use it). PTX modules are JIT-compiled by the driver once per device and cached; a
 * failed JIT throws with the driver's error log.
 */
public final class CudaDevice implements Device {
    private static final int JIT_LOG_BYTES = 16 * 1024;

    private final DeviceInfo info;
    private final int cuDevice;
    private final MemorySegment context;
    private final MemoryAccounting accounting;
    private final Map<String, MemorySegment> modules = new ConcurrentHashMap<>();
    private final Map<String, CudaKernel> kernels = new ConcurrentHashMap<>();
    private final List<CudaQueue> extraQueues = new CopyOnWriteArrayList<>();
    private final CudaQueue queue;
    private boolean closed;

    CudaDevice(DeviceInfo info) {
        this.info = info;
        this.cuDevice = CudaBackend.device(info.index());
        this.accounting = new MemoryAccounting("cuda device '" + info.name() + "'");
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(ValueLayout.ADDRESS);
            CudaStatus.check(Cuda.cuDevicePrimaryCtxRetain(out, cuDevice), "cuDevicePrimaryCtxRetain");
            this.context = out.get(ValueLayout.ADDRESS, 0);
        }
        makeCurrent();
        this.queue = new CudaQueue(this);
    }

    /** Binds the primary context to the calling thread; every driver call that needs a context comes after this. */
    void makeCurrent() {
        CudaStatus.check(Cuda.cuCtxSetCurrent(context), "cuCtxSetCurrent");
    }

    MemoryAccounting accounting() { return accounting; }

    int maxDynamicSharedBytes() {
        return Integer.parseInt(info.properties().get("sharedMemPerBlockOptinBytes"));
    }

    @Override public DeviceInfo info() { return info; }

    @Override
    public Buffer allocate(long bytes) {
        CudaBuffer buffer = new CudaBuffer(this, bytes);
        accounting.allocated(buffer);
        return buffer;
    }

    @Override
    public Kernel kernel(String program, String function) {
        return kernels.computeIfAbsent(program + "/" + function, key -> {
            MemorySegment module = modules.computeIfAbsent(program, p -> load(p, KernelResources.ptx(p)));
            return new CudaKernel(this, program, function, module);
        });
    }

    /** Loads PTX text {@code ptx} as module {@code program} (not cached) and returns its kernel {@code function}. */
    public Kernel kernelFromPtx(String program, String ptx, String function) {
        byte[] text = (ptx + "\0").getBytes(StandardCharsets.US_ASCII);
        MemorySegment module = load(program, text);
        modules.put(program + "#" + module.address(), module);
        return new CudaKernel(this, program, function, module);
    }

    /** {@code cuModuleLoadDataEx} with the JIT error and info logs captured for the exception. */
    private MemorySegment load(String program, byte[] nulTerminatedPtx) {
        makeCurrent();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment errorLog = arena.allocate(JIT_LOG_BYTES);
            MemorySegment infoLog = arena.allocate(JIT_LOG_BYTES);
            MemorySegment options = arena.allocateFrom(ValueLayout.JAVA_INT,
                    Cuda.CU_JIT_ERROR_LOG_BUFFER, Cuda.CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES,
                    Cuda.CU_JIT_INFO_LOG_BUFFER, Cuda.CU_JIT_INFO_LOG_BUFFER_SIZE_BYTES);
            // Option values are pointer-sized: buffers are pointers, sizes are integers cast to void*.
            MemorySegment values = arena.allocate(ValueLayout.ADDRESS, 4);
            values.setAtIndex(ValueLayout.ADDRESS, 0, errorLog);
            values.setAtIndex(ValueLayout.JAVA_LONG, 1, JIT_LOG_BYTES);
            values.setAtIndex(ValueLayout.ADDRESS, 2, infoLog);
            values.setAtIndex(ValueLayout.JAVA_LONG, 3, JIT_LOG_BYTES);
            MemorySegment image = arena.allocateFrom(ValueLayout.JAVA_BYTE, nulTerminatedPtx);
            MemorySegment out = arena.allocate(ValueLayout.ADDRESS);
            int rc = Cuda.cuModuleLoadDataEx(out, image, 4, options, values);
            CudaStatus.check(rc, "cuModuleLoadDataEx", "PTX of program " + program + " on " + info.name() + ", JIT error log:\n"
                    + errorLog.getString(0).strip() + "\nJIT info log:\n" + infoLog.getString(0).strip());
            return out.get(ValueLayout.ADDRESS, 0);
        }
    }

    @Override public Queue queue() { return queue; }

    @Override
    public Queue newQueue() {
        makeCurrent();
        CudaQueue q = new CudaQueue(this);
        extraQueues.add(q);
        return q;
    }

    void forget(CudaQueue q) { extraQueues.remove(q); }

    /** Destroys streams, unloads modules, frees buffers (reporting any still open as a leak), then releases the primary context. */
    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        makeCurrent();
        try {
            for (CudaQueue q : extraQueues) q.close();
            queue.release();
            modules.values().forEach(m -> CudaStatus.check(Cuda.cuModuleUnload(m), "cuModuleUnload"));
            kernels.values().forEach(CudaKernel::release);
            accounting.closeAndReportLeaks();
        } finally {
            CudaStatus.check(Cuda.cuDevicePrimaryCtxRelease(cuDevice), "cuDevicePrimaryCtxRelease_v2");
        }
    }
}
