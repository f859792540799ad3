package dev.kiln.device.cpu;

import dev.kiln.device.Buffer;
import dev.kiln.device.Device;
import dev.kiln.device.DeviceInfo;
import dev.kiln.device.HostBuffer;
import dev.kiln.device.HostMemoryPool;
import dev.kiln.device.Kernel;
import dev.kiln.device.MemoryAccounting;
import dev.kiln.device.Queue;

import java.util.Map;

/** The host as a device: buffers are host memory, kernels are Java. */
final class CpuDevice implements Device {
    record CpuCompiledKernel(String program, String name, CpuKernel body) implements Kernel {}

    private final DeviceInfo info;
    private final Map<String, CpuKernelLibrary> libraries;
    private final MemoryAccounting accounting;
    private final CpuQueue queue = new CpuQueue(this);
    private final HostMemoryPool memory = new HostMemoryPool();

    CpuDevice(DeviceInfo info, Map<String, CpuKernelLibrary> libraries) {
        this.info = info;
        this.libraries = libraries;
        this.accounting = new MemoryAccounting("cpu device '" + info.name() + "'");
    }

    MemoryAccounting accounting() { return accounting; }

    @Override public DeviceInfo info() { return info; }

    @Override
    public Buffer allocate(long bytes) {
        return new HostBuffer(this, accounting, memory, bytes);
    }

    @Override
    public Kernel kernel(String program, String function) {
        CpuKernelLibrary library = libraries.get(program);
        if (library == null) {
            throw new IllegalArgumentException("cpu backend has no kernel program '" + program + "'; known: " + libraries.keySet());
        }
        CpuKernel body = library.kernels().get(function);
        if (body == null) {
            throw new IllegalArgumentException("cpu program '" + program + "' has no kernel '" + function + "'; known: " + library.kernels().keySet());
        }
        return new CpuCompiledKernel(program, function, body);
    }

    @Override public Queue queue() { return queue; }

    @Override public Queue newQueue() { return new CpuQueue(this); }

    @Override
    public void close() {
        try {
            accounting.closeAndReportLeaks();
        } finally {
            memory.close();
        }
    }
}
