package dev.kiln.device.fpga;

import dev.kiln.device.Buffer;
import dev.kiln.device.Device;
import dev.kiln.device.DeviceInfo;
import dev.kiln.device.HostBuffer;
import dev.kiln.device.HostMemoryPool;
import dev.kiln.device.Kernel;
import dev.kiln.device.MemoryAccounting;
import dev.kiln.device.Queue;

/** An MM2IM accelerator behind a {@link Mm2imPort}: host buffers, one kernel ({@link Mm2imKernel}). */
public final class FpgaDevice implements Device {
    record Mm2imCompiledKernel(String program, String name) implements Kernel {}

    private final DeviceInfo info;
    private final Mm2imPort port;
    private final Mm2imDriver driver;
    private final MemoryAccounting accounting;
    private final FpgaQueue queue = new FpgaQueue(this);
    private final HostMemoryPool memory = new HostMemoryPool();

    FpgaDevice(DeviceInfo info, Mm2imPort port) {
        this.info = info;
        this.port = port;
        this.driver = new Mm2imDriver(port);
        this.accounting = new MemoryAccounting(info.backend() + " device '" + info.name() + "'");
    }

    MemoryAccounting accounting() { return accounting; }

    /** The protocol driver of this device, for callers that work with segments rather than buffers. */
    public Mm2imDriver driver() { return driver; }

    @Override public DeviceInfo info() { return info; }

    @Override
    public Buffer allocate(long bytes) {
        return new HostBuffer(this, accounting, memory, bytes);
    }

    @Override
    public Kernel kernel(String program, String function) {
        if (!program.equals(Mm2imKernel.PROGRAM) || !function.equals(Mm2imKernel.FUNCTION)) {
            throw new IllegalArgumentException(info.backend() + " has one kernel, " + Mm2imKernel.PROGRAM + "/" + Mm2imKernel.FUNCTION
                    + "; asked for " + program + "/" + function);
        }
        return new Mm2imCompiledKernel(program, function);
    }

    @Override public Queue queue() { return queue; }

    @Override public Queue newQueue() { return new FpgaQueue(this); }

    @Override
    public void close() {
        try {
            accounting.closeAndReportLeaks();
        } finally {
            memory.close();
            port.close();
        }
    }
}
