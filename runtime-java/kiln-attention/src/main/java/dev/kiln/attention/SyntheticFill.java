package dev.kiln.attention;

import dev.kiln.device.cpu.CpuParallel;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;

/** Fills large host segments with reproducible values fast: one random 1 MiB tile, copied in parallel. */
final class SyntheticFill {
    private static final int TILE = 1 << 20;

    private SyntheticFill() {}

    /** Fills a device buffer: in place when it is host memory, else by writing the tile through the queue. */
    static void fill(dev.kiln.device.Device device, dev.kiln.device.Buffer buffer, KvDtype dtype, long seed) {
        if (buffer.isHostAccessible()) {
            fill(buffer.hostSegment(), dtype, seed);
            return;
        }
        try (java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofConfined()) {
            MemorySegment tile = arena.allocate(TILE, 64);
            fill(tile, dtype, seed);
            for (long off = 0; off < buffer.byteSize(); off += TILE) {
                device.queue().write(buffer, off, tile.asSlice(0, Math.min(TILE, buffer.byteSize() - off)));
            }
            device.queue().finish();
        }
    }

    static void fill(MemorySegment seg, KvDtype dtype, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        byte[] tile = new byte[TILE];
        MemorySegment t = MemorySegment.ofArray(tile);
        for (int i = 0; i < TILE / dtype.bytes(); i++) {
            float f = (float) rnd.nextDouble(-1, 1);
            if (dtype == KvDtype.FP32) t.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i, f);
            else t.setAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, i, Bf16.fromFloat(f));
        }
        long tiles = Math.ceilDiv(seg.byteSize(), TILE);
        CpuParallel.forRange(tiles, 1, (from, to) -> {
            for (long i = from; i < to; i++) {
                long off = i * TILE;
                MemorySegment.copy(t, 0, seg, off, Math.min(TILE, seg.byteSize() - off));
            }
        });
    }
}
