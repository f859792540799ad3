package dev.kiln.device;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Host memory from a shared arena, 64-byte aligned for vector loads: the buffer of every backend whose
 * device reads host memory (cpu; fpga, whose DMA reads the same DDR the cores use on a Zynq).
 */
public final class HostBuffer implements Buffer {
    private final Device device;
    private final MemoryAccounting accounting;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment segment;
    private boolean closed;

    /** Allocates {@code bytes} and records them in {@code accounting}. */
    public HostBuffer(Device device, MemoryAccounting accounting, long bytes) {
        if (bytes <= 0) throw new IllegalArgumentException("buffer size must be > 0 bytes, was " + bytes);
        this.device = device;
        this.accounting = accounting;
        this.segment = arena.allocate(bytes, 64);
        accounting.allocated(this);
    }

    @Override public long byteSize() { return segment.byteSize(); }
    @Override public Device device() { return device; }
    @Override public MemorySegment handle() { return segment; }
    @Override public boolean isHostAccessible() { return true; }

    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        accounting.freed(this);
        arena.close();
    }
}
