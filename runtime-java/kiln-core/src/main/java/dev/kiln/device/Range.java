package dev.kiln.device;

import java.util.Arrays;

/**
 * An NDRange: global work size per dimension and the work-group (block) size. On CUDA the grid is
 * {@code global / local}; global must be a multiple of local in every dimension.
 */
public record Range(long[] global, long[] local) {
    public Range {
        if (global.length < 1 || global.length > 3) {
            throw new IllegalArgumentException("range must have 1 to 3 dimensions, had " + global.length);
        }
        if (local.length != global.length) {
            throw new IllegalArgumentException("local size has " + local.length + " dimensions, global has " + global.length);
        }
        for (int d = 0; d < global.length; d++) {
            if (global[d] <= 0 || local[d] <= 0) {
                throw new IllegalArgumentException("range sizes must be > 0: global=" + Arrays.toString(global) + " local=" + Arrays.toString(local));
            }
            if (global[d] % local[d] != 0) {
                throw new IllegalArgumentException("global size " + global[d] + " in dimension " + d + " is not a multiple of local size " + local[d]);
            }
        }
        global = global.clone();
        local = local.clone();
    }

    /** A 1-D range of {@code n} items rounded up to whole groups of {@code groupSize}. */
    public static Range of1D(long n, int groupSize) {
        long groups = Math.ceilDiv(n, groupSize);
        return new Range(new long[]{groups * groupSize}, new long[]{groupSize});
    }

    public static Range of2D(long gx, long gy, long lx, long ly) {
        return new Range(new long[]{gx, gy}, new long[]{lx, ly});
    }

    public int dimensions() { return global.length; }

    public long groups(int d) { return global[d] / local[d]; }

    public long totalItems() { return Arrays.stream(global).reduce(1, Math::multiplyExact); }

    @Override
    public String toString() { return "Range" + Arrays.toString(global) + "/" + Arrays.toString(local); }
}
