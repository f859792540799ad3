package dev.kiln.device.cpu;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * The calling thread's native copies of a GEMV's x and y (the C kernels cannot read Java arrays), grown on demand and
 * reused from call to call. Auto arenas, because every pool thread of {@link CpuParallel} may read them.
 */
public final class GemvScratch {
    private static final ThreadLocal<GemvScratch> SCRATCH = ThreadLocal.withInitial(GemvScratch::new);

    private MemorySegment x = MemorySegment.NULL, y = MemorySegment.NULL;

    private GemvScratch() {}

    /** This thread's scratch with at least {@code xBytes} of x and {@code yBytes} of y. */
    public static GemvScratch of(long xBytes, long yBytes) {
        GemvScratch s = SCRATCH.get();
        if (s.x.byteSize() < xBytes) s.x = Arena.ofAuto().allocate(xBytes, 64);
        if (s.y.byteSize() < yBytes) s.y = Arena.ofAuto().allocate(yBytes, 64);
        return s;
    }

    public MemorySegment x() { return x; }

    public MemorySegment y() { return y; }
}
