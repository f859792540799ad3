package dev.kiln.attention;

import dev.kiln.device.Buffer;
import dev.kiln.device.Device;
import dev.kiln.device.Event;
import dev.kiln.device.Kernel;
import dev.kiln.device.Range;

/**
 * Launches of the {@code attention} program (cpu: {@link dev.kiln.attention.cpu.AttentionCpuKernels};
 * OpenCL: {@code kernels/opencl/attention.cl}; CUDA: {@code kernels/cuda/attention.cu}), with their
 * argument lists written down once.
 */
public final class AttentionKernels {
    public static final String PROGRAM = "attention";
    public static final String DECODE = "split_kv_decode";
    /** The cpu backend's decode over {@link KeyLayout#DIM_MAJOR} keys; same arguments as {@link #DECODE}. */
    public static final String DECODE_DIM_MAJOR_K = "split_kv_decode_dim_major_k";
    public static final String MERGE = "merge_states";
    /** Program and entry points of {@link DecodeKernel#FLASH} ({@code kernels/opencl/flash_decode.cl}). */
    public static final String FLASH_PROGRAM = "flash_decode", FLASH_F32 = "flash_decode_f32", FLASH_BF16 = "flash_decode_bf16";
    /** Most query heads per work-group, and most q elements (heads × kDim) it stages, in {@code flash_decode.cl}. */
    static final int FLASH_MAX_HEADS = 16, FLASH_Q_ELEMENTS = 2304;
    /** The CPU shape of {@code flash_decode.cl} (one item per task): most heads, and most heads × vDim accumulators, per item. */
    static final int FLASH_CPU_MAX_HEADS = 16, FLASH_CPU_ACCUMULATORS = 4096;
    /** Work-group size of the device kernels: one group per (sequence, KV head, split). */
    public static final int GROUP = 128;
    /** fp32 accumulators per work-item and most heads per work-group in {@code attention.cl}. */
    static final int ACCUMULATORS = 16, MAX_HEADS_PER_GROUP = 64;

    /**
     * Work-groups per (sequence, KV head, split) on OpenCL/CUDA: the KV head's query heads in blocks that
     * fit the accumulators (GQA: one block, so K/V is read once; MLA's 128 heads of 512: 32 blocks).
     */
    static int headBlocks(DecodeShape s) {
        int perBlock = Math.min(MAX_HEADS_PER_GROUP, Math.max(1, GROUP * ACCUMULATORS / s.vDim()));
        return Math.ceilDiv(s.groupSize(), perBlock);
    }

    /**
     * As {@link #headBlocks} for {@link DecodeKernel#FLASH}: also bounded by its heads and staged q elements;
     * in its CPU shape ({@code cpuShaped}) by the heads and accumulators one work-item holds.
     */
    static int flashHeadBlocks(DecodeShape s, boolean cpuShaped) {
        int perBlock = cpuShaped
                ? Math.min(FLASH_CPU_MAX_HEADS, FLASH_CPU_ACCUMULATORS / s.vDim())
                : Math.min(FLASH_MAX_HEADS, Math.min(GROUP * ACCUMULATORS / s.vDim(), FLASH_Q_ELEMENTS / s.kDim()));
        return Math.ceilDiv(s.groupSize(), Math.max(1, perBlock));
    }

    private AttentionKernels() {}

    /**
     * Partial states of every split: {@code partialO [batch][qHeads][splits][vDim]},
     * {@code partialLse [batch][qHeads][splits]}.
     */
    public static Event decode(Device device, Buffer q, PagedKvCache cache, int splits, float scale, Buffer partialO, Buffer partialLse) {
        return decode(device, q, cache, splits, scale, partialO, partialLse, DecodeKernel.SPLIT_KV);
    }

    /** As {@link #decode(Device, Buffer, PagedKvCache, int, float, Buffer, Buffer)} with the given kernel. */
    public static Event decode(Device device, Buffer q, PagedKvCache cache, int splits, float scale, Buffer partialO, Buffer partialLse,
                               DecodeKernel kernel) {
        if (kernel == DecodeKernel.FLASH) return flashDecode(device, q, cache, splits, scale, partialO, partialLse);
        DecodeShape s = cache.shape();
        // A NaN or infinite scale makes every score NaN: no input could give a meaningful result, so refuse it.
        if (!Float.isFinite(scale)) throw new IllegalArgumentException("scale must be a finite number, was " + scale);
        if (s.vDim() > GROUP * ACCUMULATORS) {
            throw new IllegalArgumentException("vDim must be <= " + GROUP * ACCUMULATORS + " for the device kernels, was " + s.vDim());
        }
        Kernel k = device.kernel(PROGRAM, cache.keyLayout() == KeyLayout.DIM_MAJOR ? DECODE_DIM_MAJOR_K : DECODE);
        long tasks = (long) cache.batch() * s.kvHeads() * splits * headBlocks(s);
        return device.queue().launch(k, new Range(new long[]{tasks * GROUP}, new long[]{GROUP}),
                q, cache.kPool(), cache.vPool(), cache.blockTable(), cache.seqLens(), partialO, partialLse,
                cache.batch(), s.qHeads(), s.kvHeads(), s.kDim(), s.vDim(), cache.blockSize(), cache.maxBlocksPerSeq(),
                splits, cache.dtype().code(), cache.vRowStride(), scale);
    }

    private static Event flashDecode(Device device, Buffer q, PagedKvCache cache, int splits, float scale, Buffer partialO, Buffer partialLse) {
        DecodeShape s = cache.shape();
        String backend = device.backendName();
        if (!DecodeKernel.FLASH.runsOn(backend)) {
            throw new IllegalArgumentException("decode kernel flash runs on opencl or cuda, not on backend '" + backend + "'; use split-kv");
        }
        if (s.vDim() > GROUP * ACCUMULATORS) {
            throw new IllegalArgumentException("vDim must be <= " + GROUP * ACCUMULATORS + " for the flash kernel, was " + s.vDim());
        }
        if (s.kDim() > FLASH_Q_ELEMENTS) {
            throw new IllegalArgumentException("kDim must be <= " + FLASH_Q_ELEMENTS + " for the flash kernel, was " + s.kDim());
        }
        if (cache.keyLayout() != KeyLayout.TOKEN_MAJOR) {
            throw new IllegalArgumentException("the flash kernel reads token-major keys, the cache is " + cache.keyLayout());
        }
        Kernel k = device.kernel(FLASH_PROGRAM, cache.dtype() == KvDtype.BF16 ? FLASH_BF16 : FLASH_F32);
        // GPU shape: a group of GROUP items (4 warps) per task; CPU shape (built with KILN_CPU_DEVICE): one item per task
        boolean cpuShaped = device.info().cpuShapedKernels();
        long tasks = (long) cache.batch() * s.kvHeads() * splits * flashHeadBlocks(s, cpuShaped);
        int group = cpuShaped ? 1 : GROUP;
        return device.queue().launch(k, new Range(new long[]{tasks * group}, new long[]{group}),
                q, cache.kPool(), cache.vPool(), cache.blockTable(), cache.seqLens(), partialO, partialLse,
                cache.batch(), s.qHeads(), s.kvHeads(), s.kDim(), s.vDim(), cache.blockSize(), cache.maxBlocksPerSeq(),
                splits, cache.vRowStride(), scale);
    }

    /**
     * Merges {@code n} states per row into {@code outO [rows][dim]}, {@code outLse [rows]}. State i of row r
     * is at {@code o[oOffset + i·oShardStride + r·oRowStride ...]} and {@code lse[lseOffset + i·lseShardStride + r·lseRowStride]}
     * (all in floats).
     */
    public static Event merge(Device device, Buffer o, Buffer lse, Buffer outO, Buffer outLse, int n, int rows, int dim,
                              int oOffset, int oShardStride, int oRowStride, int lseOffset, int lseShardStride, int lseRowStride) {
        if (n < 1) throw new IllegalArgumentException("n must be >= 1, was " + n);
        if (rows < 1) throw new IllegalArgumentException("rows must be >= 1, was " + rows);
        if (dim < 1) throw new IllegalArgumentException("dim must be >= 1, was " + dim);
        Kernel k = device.kernel(PROGRAM, MERGE);
        // one work-item per output element (row, d): attention.cl's merge_states
        return device.queue().launch(k, Range.of1D((long) rows * dim, 128), o, lse, outO, outLse, n, rows, dim,
                oOffset, oShardStride, oRowStride, lseOffset, lseShardStride, lseRowStride);
    }
}
