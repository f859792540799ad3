package dev.kiln.device;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;

/**
 * The host memory of one device's small buffers. Buffers that every core touches need a shared arena, and closing a
 * shared arena costs a handshake with every JVM thread: 68–80 µs per allocate-and-close on the 2-core VM, more than
 * the kernels of a short decode step that allocates four buffers (outputs and partial states) and frees them. So
 * buffers up to {@value #MAX_POOLED_BYTES} bytes are carved from one arena that lives as long as the device and are
 * recycled by power-of-two size class, zeroed again as a fresh allocation is. Larger buffers keep an arena of their
 * own ({@link HostBuffer}), so that a 4 GiB KV cache goes back to the system when it is closed.
 *
 * <p>The price, as with any caching allocator: a segment kept past its buffer's {@code close()} still reads and
 * writes memory, now another buffer's, instead of failing. The device's {@link MemoryAccounting} still reports a
 * buffer left open.
 */
public final class HostMemoryPool implements AutoCloseable {
    /** The largest buffer served from the pool. */
    public static final long MAX_POOLED_BYTES = 1 << 20;
    private static final long MIN_CLASS_BYTES = 256;

    private final Arena arena = Arena.ofShared();
    private final Map<Long, ArrayDeque<MemorySegment>> free = new HashMap<>();
    private boolean closed;

    /** Whether a buffer of {@code bytes} comes from the pool. */
    public static boolean pools(long bytes) { return bytes <= MAX_POOLED_BYTES; }

    /** A zeroed, 64-byte aligned block of {@code bytes} rounded up to its size class ({@code bytes <= MAX_POOLED_BYTES}). */
    public MemorySegment take(long bytes) {
        if (!pools(bytes)) throw new IllegalArgumentException("pooled buffers are at most " + MAX_POOLED_BYTES + " bytes, asked for " + bytes);
        long size = sizeClass(bytes);
        MemorySegment recycled;
        synchronized (this) {
            if (closed) throw new IllegalStateException("the device's host memory pool is closed");
            ArrayDeque<MemorySegment> blocks = free.get(size);
            recycled = blocks == null ? null : blocks.poll();
            if (recycled == null) return arena.allocate(size, 64); // zeroed by the arena
        }
        return recycled.fill((byte) 0);
    }

    /** Returns a block from {@link #take} for reuse. */
    public synchronized void give(MemorySegment block) {
        if (!closed) free.computeIfAbsent(block.byteSize(), k -> new ArrayDeque<>()).push(block);
    }

    /** The power of two that holds {@code bytes}, at least {@value #MIN_CLASS_BYTES}. */
    static long sizeClass(long bytes) {
        return Math.max(MIN_CLASS_BYTES, Long.highestOneBit(Math.max(1, bytes - 1)) << 1);
    }

    /** Frees every block at once; called by the device after its leaked buffers were closed. */
    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        free.clear();
        arena.close();
    }
}
