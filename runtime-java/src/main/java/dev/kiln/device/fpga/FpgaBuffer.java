package dev.kiln.device.fpga;

import dev.kiln.device.Buffer;
import dev.kiln.device.Device;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Host memory: on a Zynq the PL's DMA reads the same DDR the ARM cores use, and the C simulation reads
 * the words the driver builds from it, so an fpga buffer is an ordinary host segment.
 */
final class FpgaBuffer implements Buffer {
    private final FpgaDevice device;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment segment;
    private boolean closed;

    FpgaBuffer(FpgaDevice device, long bytes) {
        if (bytes <= 0) throw new IllegalArgumentException("buffer size must be > 0 bytes, was " + bytes);
        this.device = device;
        this.segment = arena.allocate(bytes, 64);
    }

    @Override public long byteSize() { return segment.byteSize(); }
    @Override public Device device() { return device; }
    @Override public MemorySegment handle() { return segment; }
    @Override public boolean isHostAccessible() { return true; }

    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        device.accounting().freed(this);
        arena.close();
    }
}
