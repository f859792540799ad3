package dev.kiln.attention;

import dev.kiln.device.cpu.CpuParallel;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;

/** Fills large host segments with reproducible values fast: one random 1 MiB tile, copied in parallel. */
final class SyntheticFill {
    private static final int TILE = 1 << 20;

    private SyntheticFill() {}

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
