package dev.kiln.attention;

import dev.kiln.device.Buffer;
import dev.kiln.device.Device;

/**
 * Decode attention over a {@link PagedKvCache}, returning (O, LSE) per (sequence, query head): the cache
 * is cut into splits that run in parallel (Flash-Decoding), each split emits a partial state, and the
 * partials are merged exactly by {@link AttentionKernels#merge}. The number of splits comes from the
 * device's compute units so that there are about {@value #TASKS_PER_UNIT} tasks per unit.
 */
public final class SplitKvDecodeAttention {
    static final int TASKS_PER_UNIT = 4;
    /** Fewer tokens than this per split cost more in merging than they gain in parallelism. */
    static final int MIN_TOKENS_PER_SPLIT = 256;

    private SplitKvDecodeAttention() {}

    /** Splits for this device and cache: enough tasks to fill every compute unit a few times. */
    public static int chooseSplits(Device device, int batch, int kvHeads, int maxLength) {
        return chooseSplits(device, batch, kvHeads, maxLength, KeyLayout.TOKEN_MAJOR);
    }

    /**
     * As {@link #chooseSplits(Device, int, int, int)}, for a cache in {@code layout}: the dim-major cpu
     * kernel runs one task per (sequence, split) over every KV head, the others one per KV head too.
     */
    public static int chooseSplits(Device device, int batch, int kvHeads, int maxLength, KeyLayout layout) {
        int units = Math.max(1, device.info().computeUnits());
        int tasksPerSplit = batch * (layout == KeyLayout.DIM_MAJOR ? 1 : kvHeads);
        int wanted = Math.ceilDiv(units * TASKS_PER_UNIT, tasksPerSplit);
        int cap = Math.max(1, maxLength / MIN_TOKENS_PER_SPLIT);
        return Math.max(1, Math.min(wanted, cap));
    }

    /** The result buffers of one call; the caller closes them. */
    public record Result(Buffer output, Buffer lse, int splits) implements AutoCloseable {
        @Override
        public void close() {
            output.close();
            lse.close();
        }
    }

    /**
     * @param q      {@code [batch][qHeads][kDim]} fp32 on {@code cache.device()}
     * @param splits splits per sequence, or 0 to choose from the device
     * @return {@code output [batch][qHeads][vDim]}, {@code lse [batch][qHeads]}
     */
    public static Result attend(Buffer q, PagedKvCache cache, float scale, int splits) {
        return attend(q, cache, scale, splits, DecodeKernel.defaultFor(cache.device()));
    }

    /** As {@link #attend(Buffer, PagedKvCache, float, int)} with the given decode kernel. */
    public static Result attend(Buffer q, PagedKvCache cache, float scale, int splits, DecodeKernel kernel) {
        Device device = cache.device();
        DecodeShape s = cache.shape();
        int rows = cache.batch() * s.qHeads();
        if (q.byteSize() < (long) rows * s.kDim() * Float.BYTES) {
            throw new IllegalArgumentException("q has " + q.byteSize() + " bytes, needs " + (long) rows * s.kDim() * Float.BYTES);
        }
        if (splits < 0) throw new IllegalArgumentException("splits must be >= 0 (0 = choose), was " + splits);
        int n = splits > 0 ? splits : chooseSplits(device, cache.batch(), s.kvHeads(), cache.maxLength(), cache.keyLayout());
        if (!Float.isFinite(scale)) throw new IllegalArgumentException("scale must be a finite number, was " + scale);
        Buffer outO = device.allocate((long) rows * s.vDim() * Float.BYTES);
        Buffer outLse = device.allocate((long) rows * Float.BYTES);
        try {
            if (n == 1) {
                AttentionKernels.decode(device, q, cache, 1, scale, outO, outLse, kernel);
            } else {
                try (Buffer po = device.allocate((long) rows * n * s.vDim() * Float.BYTES);
                     Buffer pl = device.allocate((long) rows * n * Float.BYTES)) {
                    AttentionKernels.decode(device, q, cache, n, scale, po, pl, kernel);
                    AttentionKernels.merge(device, po, pl, outO, outLse, n, rows, s.vDim(),
                            0, s.vDim(), n * s.vDim(), 0, 1, n);
                    device.queue().finish();
                }
            }
            device.queue().finish();
        } catch (RuntimeException e) {
            outO.close(); // the caller never sees these buffers, so they are closed here
            outLse.close();
            throw e;
        }
        return new Result(outO, outLse, n);
    }
}
