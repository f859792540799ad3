package dev.kiln.device;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Host memory, 64-byte aligned for vector loads: the buffer of every backend whose device reads host memory (cpu;
 * fpga, whose DMA reads the same DDR the cores use on a Zynq). Small buffers come from the device's
 * {@link HostMemoryPool}; large ones from a shared arena of their own, freed on close.
 */
public final class HostBuffer implements Buffer {
    private final Device device;
    private final MemoryAccounting accounting;
    private final HostMemoryPool pool;
    private final Arena arena;        // null for a pooled buffer
    private final MemorySegment block; // what goes back to the pool
    private final MemorySegment segment;
    private volatile boolean closed;

    /** Allocates {@code bytes} (zeroed) and records them in {@code accounting}. */
    public HostBuffer(Device device, MemoryAccounting accounting, HostMemoryPool pool, long bytes) {
        if (bytes <= 0) throw new IllegalArgumentException("buffer size must be > 0 bytes, was " + bytes);
        this.device = device;
        this.accounting = accounting;
        this.pool = pool;
        if (HostMemoryPool.pools(bytes)) {
            this.arena = null;
            this.block = pool.take(bytes);
            this.segment = block.asSlice(0, bytes);
        } else {
            this.arena = Arena.ofShared();
            this.block = null;
            this.segment = arena.allocate(bytes, 64);
        }
        accounting.allocated(this);
    }

    @Override public long byteSize() { return segment.byteSize(); }
    @Override public Device device() { return device; }
    /**
     * The memory, while the buffer is open. After {@link #close()} it throws: a pooled block may already belong to
     * another buffer, and handing it out would let this one's writes land in that one's data.
     */
    @Override
    public MemorySegment handle() {
        if (closed) throw new IllegalStateException("host buffer of " + segment.byteSize() + " bytes is closed");
        return segment;
    }
    @Override public boolean isHostAccessible() { return true; }

    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        accounting.freed(this);
        if (arena != null) arena.close();
        else pool.give(block);
    }
}
