package dev.kiln.inference.model;

import dev.kiln.attention.DecodeShape;
import dev.kiln.attention.KvDtype;
import dev.kiln.attention.PagedKvCache;
import dev.kiln.attention.SplitKvDecodeAttention;
import dev.kiln.attention.helix.HelixMapping;
import dev.kiln.device.Buffer;
import dev.kiln.device.Device;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.function.IntConsumer;

/** Attention on one rank: one {@link PagedKvCache} per layer, {@link SplitKvDecodeAttention} over it (splits and LSE merge). */
public final class PagedKvAttention implements KvAttention {
    static final int BLOCK = 16;
    private final Device device;
    private final DecodeShape shape;
    private final KvDtype dtype;
    private final int capacity;
    private final float scale;
    private final PagedKvCache[] caches;
    private final HelixMapping mapping;

    public PagedKvAttention(Device device, int layers, DecodeShape shape, KvDtype dtype, int capacity, float scale) {
        if (layers < 1) throw new IllegalArgumentException("layers = " + layers + "; must be >= 1");
        this.device = device;
        this.shape = shape;
        this.dtype = dtype;
        this.capacity = capacity;
        this.scale = scale;
        this.caches = new PagedKvCache[layers];
        this.mapping = HelixMapping.of(1, 1, shape.qHeads(), shape.kvHeads());
        reset();
    }

    @Override
    public void reset() {
        for (int l = 0; l < caches.length; l++) {
            if (caches[l] != null) caches[l].close();
            caches[l] = new PagedKvCache(device, shape, dtype, BLOCK, 1, capacity);
        }
    }

    @Override public HelixMapping mapping() { return mapping; }

    @Override public void parallel(IntConsumer rankBody) { rankBody.accept(0); }

    @Override
    public void attend(int rank, int layer, float[] q, float[] k, float[] v, int position, float[] out) {
        if (rank != 0) throw new IllegalArgumentException("rank = " + rank + "; one rank has rank 0 only");
        attendOn(device, caches[layer], shape, scale, q, k, v, position, out);
    }

    @Override public void allReduceSum(int rank, float[] y) { }

    /** Append then attend on one cache; {@code q} and {@code out} hold the cache's query heads. */
    static void attendOn(Device device, PagedKvCache cache, DecodeShape shape, float scale, float[] q, float[] k, float[] v,
                         int position, float[] out) {
        if (position != cache.length(0)) {
            throw new IllegalArgumentException("position " + position + " does not follow the " + cache.length(0) + " cached positions");
        }
        try (Arena a = Arena.ofConfined()) {
            if (k != null) cache.append(0, a.allocateFrom(ValueLayout.JAVA_FLOAT, k), a.allocateFrom(ValueLayout.JAVA_FLOAT, v), 1);
            try (Buffer qb = device.upload(a.allocateFrom(ValueLayout.JAVA_FLOAT, q));
                 SplitKvDecodeAttention.Result r = SplitKvDecodeAttention.attend(qb, cache, scale, 0)) {
                read(device, r.output(), out, shape.qHeads() * shape.vDim());
            }
        }
    }

    static void read(Device device, Buffer b, float[] out, int n) {
        if (b.isHostAccessible()) {
            MemorySegment.copy(b.hostSegment(), ValueLayout.JAVA_FLOAT, 0, out, 0, n);
            return;
        }
        try (Arena a = Arena.ofConfined()) {
            MemorySegment h = a.allocate(b.byteSize());
            device.queue().read(b, 0, h);
            MemorySegment.copy(h, ValueLayout.JAVA_FLOAT, 0, out, 0, n);
        }
    }

    @Override public String describe() { return "1 rank"; }

    @Override
    public void close() {
        for (PagedKvCache c : caches) if (c != null) c.close();
    }
}
