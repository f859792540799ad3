package dev.kiln.device;

import java.lang.foreign.MemorySegment;

/** An in-order command queue (CUDA stream, OpenCL command queue; a thread pool on cpu). */
public interface Queue extends AutoCloseable {
    /** Copies {@code src} into {@code dst} at byte offset {@code dstOffset}; the host segment is free when this returns. */
    void write(Buffer dst, long dstOffset, MemorySegment src);

    /** Copies {@code dst.byteSize()} bytes from {@code src} at {@code srcOffset} into host memory; blocks until done. */
    void read(Buffer src, long srcOffset, MemorySegment dst);

    /** Enqueues {@code kernel} over {@code range}; the event reports when it ran and how long it took. */
    Event launch(Kernel kernel, Range range, Object... args);

    /** Waits for everything enqueued so far. */
    void finish();

    @Override
    default void close() {}

    /** The one range check every backend makes before a copy, so a bad offset fails the same clear way everywhere. */
    static void checkRange(String op, Buffer b, long offset, long bytes) {
        if (offset < 0 || bytes < 0 || offset + bytes > b.byteSize()) {
            throw new IllegalArgumentException(op + " of " + bytes + " bytes at offset " + offset + " does not fit a buffer of " + b.byteSize() + " bytes");
        }
    }
}
