package dev.kiln.attention.model;

import dev.kiln.device.cpu.CpuParallel;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Random weights addressed by (seed, tensor, row, column) through a SplitMix64-style hash, so that any
 * rank can generate exactly its slice of a logical matrix without the whole existing anywhere, and
 * every parallel layout sees the same model as the single-rank one.
 */
public final class WeightGen {
    private WeightGen() {}

    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }

    /** Uniform in [-amplitude, amplitude). */
    public static float value(long seed, int tensor, long row, long col, float amplitude) {
        long h = mix(seed * 0x9E3779B97F4A7C15L + tensor * 0xD1B54A32D192ED03L + row * 0x8CB92BA72F3D8DD7L + col);
        return (float) (((h >>> 40) * 0x1.0p-24) * 2 - 1) * amplitude;
    }

    /**
     * Writes rows [row0, row0 + rows) × columns [col0, col0 + cols) of logical tensor {@code tensor} into
     * {@code dst} as a dense {@code [rows][cols]} fp32 matrix.
     */
    public static void fill(MemorySegment dst, long seed, int tensor, int row0, int rows, int col0, int cols, float amplitude) {
        CpuParallel.forRange(rows, 16, (from, to) -> {
            for (long r = from; r < to; r++) {
                long base = r * cols;
                for (int c = 0; c < cols; c++) {
                    dst.setAtIndex(ValueLayout.JAVA_FLOAT, base + c, value(seed, tensor, row0 + r, col0 + c, amplitude));
                }
            }
        });
    }
}
