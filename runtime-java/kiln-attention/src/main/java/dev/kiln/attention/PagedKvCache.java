package dev.kiln.attention;

import dev.kiln.device.Buffer;
import dev.kiln.device.Device;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * A paged KV cache for a batch of sequences on one device. Pages of {@code blockSize} tokens come from
 * one pool and are handed out on demand, so sequences interleave in memory and each has a block table
 * (logical block → physical page), as vLLM and FlashMLA do. A page holds {@code [kvHeads][blockSize][vDim]}
 * values, and the keys in the {@link KeyLayout} the device reads fastest: {@code [kvHeads][blockSize][kDim]}
 * (token-major, GPUs) or {@code [kvHeads][kDim][blockSize]} (dim-major, the cpu backend). Either way one KV
 * head's part of a page is contiguous, so a decode task streams it once. With {@link DecodeShape#latentV()}
 * there is no V pool: V is the first {@code vDim} elements of each (token-major) K row.
 */
public final class PagedKvCache implements AutoCloseable {
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort B16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final Device device;
    private final DecodeShape shape;
    private final KvDtype dtype;
    private final KeyLayout keyLayout;
    private final int blockSize, batch, maxBlocksPerSeq, pages;
    private final Buffer kPool, vPool, blockTable, seqLens;
    private final int[] table;
    private final int[] lengths;
    private int nextFreePage;

    /**
     * A cache with the device's preferred key layout ({@link KeyLayout#preferredFor}).
     *
     * @param capacityTokens most tokens any one sequence will hold
     */
    public PagedKvCache(Device device, DecodeShape shape, KvDtype dtype, int blockSize, int batch, int capacityTokens) {
        this(device, shape, dtype, blockSize, batch, capacityTokens, KeyLayout.preferredFor(device, shape, dtype));
    }

    /** A cache with an explicit key layout: dim-major needs the cpu backend and separate V (no latent V). */
    public PagedKvCache(Device device, DecodeShape shape, KvDtype dtype, int blockSize, int batch, int capacityTokens, KeyLayout keyLayout) {
        if (keyLayout == KeyLayout.DIM_MAJOR && (shape.latentV() || !"cpu".equals(device.info().backend()))) {
            throw new IllegalArgumentException("keyLayout dim-major needs the cpu backend and a separate V, was backend "
                    + device.info().backend() + (shape.latentV() ? " with latent V" : ""));
        }
        if (blockSize < 1) throw new IllegalArgumentException("blockSize must be >= 1, was " + blockSize);
        if (batch < 1) throw new IllegalArgumentException("batch must be >= 1, was " + batch);
        if (capacityTokens < 0) throw new IllegalArgumentException("capacityTokens must be >= 0, was " + capacityTokens);
        this.device = device;
        this.shape = shape;
        this.dtype = dtype;
        this.keyLayout = keyLayout;
        this.blockSize = blockSize;
        this.batch = batch;
        this.maxBlocksPerSeq = Math.max(1, Math.ceilDiv(capacityTokens, blockSize));
        this.pages = batch * maxBlocksPerSeq;
        this.kPool = device.allocate(Math.max(1, (long) pages * kPageElements() * dtype.bytes()));
        this.vPool = shape.latentV() ? kPool : device.allocate(Math.max(1, (long) pages * vPageElements() * dtype.bytes()));
        this.table = new int[batch * maxBlocksPerSeq];
        Arrays.fill(table, -1);
        this.lengths = new int[batch];
        this.blockTable = device.allocate((long) table.length * Integer.BYTES);
        this.seqLens = device.allocate((long) batch * Integer.BYTES);
        syncMetadata();
    }

    public DecodeShape shape() { return shape; }
    public KvDtype dtype() { return dtype; }
    public KeyLayout keyLayout() { return keyLayout; }
    public int blockSize() { return blockSize; }
    public int batch() { return batch; }
    public int maxBlocksPerSeq() { return maxBlocksPerSeq; }
    public Device device() { return device; }
    public Buffer kPool() { return kPool; }
    public Buffer vPool() { return vPool; }
    public Buffer blockTable() { return blockTable; }
    public Buffer seqLens() { return seqLens; }
    public int length(int b) { return lengths[b]; }
    public int maxLength() { return Arrays.stream(lengths).max().orElse(0); }

    /** Row stride of V in elements: kDim when V lives inside the K rows, vDim otherwise. */
    public int vRowStride() { return shape.latentV() ? shape.kDim() : shape.vDim(); }

    /** Bytes of K and V the attention reads for the current lengths (V counted once when latent). */
    public long bytesInUse() {
        long tokens = Arrays.stream(lengths).asLongStream().sum();
        return tokens * shape.elementsPerToken() * dtype.bytes();
    }

    private long kPageElements() { return (long) shape.kvHeads() * blockSize * shape.kDim(); }
    private long vPageElements() { return (long) shape.kvHeads() * blockSize * shape.vDim(); }

    /**
     * Appends {@code tokens} tokens to sequence {@code b}: {@code k} is {@code [tokens][kvHeads][kDim]} fp32,
     * {@code v} is {@code [tokens][kvHeads][vDim]} fp32 (ignored when V is latent). Values are rounded to the
     * cache's dtype.
     */
    public void append(int b, MemorySegment k, MemorySegment v, int tokens) {
        if (b < 0 || b >= batch) throw new IllegalArgumentException("sequence must be in [0, " + batch + "), was " + b);
        if (lengths[b] + tokens > maxBlocksPerSeq * blockSize) {
            throw new IllegalArgumentException("sequence " + b + " would hold " + (lengths[b] + tokens) + " tokens, capacity is " + maxBlocksPerSeq * blockSize);
        }
        int hkv = shape.kvHeads(), dk = shape.kDim(), dv = shape.vDim();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment kRow = arena.allocate((long) dk * dtype.bytes());
            MemorySegment vRow = arena.allocate((long) dv * dtype.bytes());
            for (int t = 0; t < tokens; t++) {
                int pos = lengths[b];
                int block = pos / blockSize, slot = pos % blockSize;
                int page = table[b * maxBlocksPerSeq + block];
                if (page < 0) {
                    page = nextFreePage++;
                    table[b * maxBlocksPerSeq + block] = page;
                }
                for (int h = 0; h < hkv; h++) {
                    long row = ((long) page * hkv + h) * blockSize + slot;
                    encode(k, ((long) t * hkv + h) * dk, kRow, dk);
                    if (keyLayout == KeyLayout.TOKEN_MAJOR) {
                        write(kPool, row * dk * dtype.bytes(), kRow);
                    } else { // column `slot` of the head's [kDim][blockSize] key block, in the cpu pool's host memory
                        long head = ((long) page * hkv + h) * dk * blockSize, es = dtype.bytes();
                        MemorySegment pool = kPool.hostSegment();
                        for (int d = 0; d < dk; d++) MemorySegment.copy(kRow, d * es, pool, (head + (long) d * blockSize + slot) * es, es);
                    }
                    if (!shape.latentV()) {
                        encode(v, ((long) t * hkv + h) * dv, vRow, dv);
                        write(vPool, row * dv * dtype.bytes(), vRow);
                    }
                }
                lengths[b]++;
            }
        }
        syncMetadata();
    }

    /**
     * Fills every sequence up to {@code tokens} tokens with reproducible pseudo-random values in [-1, 1):
     * the KV of a synthetic prefill, for benchmarks and long-context decode runs.
     */
    public void fillSynthetic(int tokens, long seed) {
        int blocks = Math.ceilDiv(tokens, blockSize);
        if (blocks > maxBlocksPerSeq) throw new IllegalArgumentException("tokens " + tokens + " exceed capacity " + maxBlocksPerSeq * blockSize);
        // Pages in block-major order across sequences, so sequences interleave in the pool.
        for (int blk = 0; blk < blocks; blk++) {
            for (int b = 0; b < batch; b++) {
                if (table[b * maxBlocksPerSeq + blk] < 0) table[b * maxBlocksPerSeq + blk] = nextFreePage++;
            }
        }
        Arrays.fill(lengths, tokens);
        SyntheticFill.fill(device, kPool, dtype, seed);
        if (!shape.latentV()) SyntheticFill.fill(device, vPool, dtype, seed * 31 + 7);
        syncMetadata();
    }

    private void encode(MemorySegment src, long srcIndex, MemorySegment dst, int n) {
        for (int i = 0; i < n; i++) {
            float f = src.getAtIndex(ValueLayout.JAVA_FLOAT, srcIndex + i);
            if (dtype == KvDtype.FP32) dst.setAtIndex(F32, i, f);
            else dst.setAtIndex(B16, i, Bf16.fromFloat(f));
        }
    }

    private void write(Buffer dst, long offset, MemorySegment src) {
        if (dst.isHostAccessible()) MemorySegment.copy(src, 0, dst.hostSegment(), offset, src.byteSize());
        else device.queue().write(dst, offset, src);
    }

    private void syncMetadata() {
        try (Arena arena = Arena.ofConfined()) {
            device.queue().write(blockTable, 0, arena.allocateFrom(ValueLayout.JAVA_INT, table));
            device.queue().write(seqLens, 0, arena.allocateFrom(ValueLayout.JAVA_INT, lengths));
            device.queue().finish();
        }
    }

    @Override
    public void close() {
        kPool.close();
        if (vPool != kPool) vPool.close();
        blockTable.close();
        seqLens.close();
    }
}
