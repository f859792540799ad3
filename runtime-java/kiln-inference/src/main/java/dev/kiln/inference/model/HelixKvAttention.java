package dev.kiln.inference.model;

import dev.kiln.attention.DecodeShape;
import dev.kiln.attention.KvDtype;
import dev.kiln.attention.PagedKvCache;
import dev.kiln.attention.helix.HelixAttentionExchange;
import dev.kiln.attention.helix.HelixMapping;
import dev.kiln.attention.helix.RankThreads;
import dev.kiln.collective.inproc.InProcessGroup;
import dev.kiln.device.Device;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.function.IntConsumer;

/**
 * A decoder step as Helix runs it, over {@code kvp × tpa} emulated ranks (threads of this JVM): TPA splits the
 * KV heads, KVP the positions (round-robin blocks of {@link HelixMapping#appendBlock()}, global positions kept).
 * Each rank attends its query heads over its own paged KV shard with the split-KV kernel, then the ranks of a
 * TPA slice exchange (O, LSE) in one all-to-all and each merges the heads it owns with the LSE merge kernel; the
 * model's W_O and FFN slices on all N ranks are summed by the all-reduce of {@link #allReduceSum}.
 */
public final class HelixKvAttention implements KvAttention {
    private final Device device;
    private final HelixMapping m;
    private final DecodeShape shape, local;
    private final KvDtype dtype;
    private final int capacity;
    private final float scale;
    private final InProcessGroup[] kvpGroups;
    private final PagedKvCache[][] caches;            // [rank][layer]
    private final HelixAttentionExchange[] exchanges; // [rank]
    private final InProcessGroup world;                // all N ranks: the W_O and FFN all-reduces
    private final Arena buffers = Arena.ofShared();    // peers read a rank's all-reduce buffer from their threads
    private final MemorySegment[] reduceBuffers;      // [rank]

    public HelixKvAttention(Device device, int layers, DecodeShape shape, KvDtype dtype, int capacity, float scale, HelixMapping mapping) {
        if (shape.latentV()) throw new IllegalArgumentException("latent V is not supported by the inference models");
        if (mapping.qHeads() != shape.qHeads() || mapping.kvHeads() != shape.kvHeads()) {
            throw new IllegalArgumentException("mapping heads " + mapping.qHeads() + "/" + mapping.kvHeads() + " do not match the model's " + shape.qHeads() + "/" + shape.kvHeads());
        }
        this.device = device;
        this.m = mapping;
        this.shape = shape;
        this.local = shape.slice(mapping.kvHeadsPerRank());
        this.dtype = dtype;
        this.capacity = capacity;
        this.scale = scale;
        this.kvpGroups = new InProcessGroup[m.tpa()];
        for (int t = 0; t < m.tpa(); t++) kvpGroups[t] = new InProcessGroup(m.kvp());
        this.caches = new PagedKvCache[m.size()][layers];
        this.exchanges = new HelixAttentionExchange[m.size()];
        for (int r = 0; r < m.size(); r++) exchanges[r] = new HelixAttentionExchange(device, m, r, 1, shape.vDim());
        this.world = new InProcessGroup(m.size());
        this.reduceBuffers = new MemorySegment[m.size()];
        reset();
    }

    @Override
    public void reset() {
        for (int r = 0; r < m.size(); r++) {
            int mine = m.tokensOn(m.kvpRank(r), capacity);
            for (int l = 0; l < caches[r].length; l++) {
                if (caches[r][l] != null) caches[r][l].close();
                caches[r][l] = new PagedKvCache(device, local, dtype, PagedKvAttention.BLOCK, 1, mine);
            }
        }
    }

    @Override public HelixMapping mapping() { return m; }

    /** One platform thread per rank for the whole step (every layer); a failing rank aborts the groups the others wait in. */
    @Override
    public void parallel(IntConsumer rankBody) {
        InProcessGroup[] groups = java.util.Arrays.copyOf(kvpGroups, kvpGroups.length + 1);
        groups[kvpGroups.length] = world;
        RankThreads.run(m.size(), rankBody, groups);
    }

    @Override
    public void attend(int r, int layer, float[] q, float[] k, float[] v, int position, float[] out) {
        HelixRankAttention.attend(device, m, r, caches[r][layer], shape.vDim(), scale, exchanges[r], kvpGroups[m.tpaRank(r)].rank(m.kvpRank(r)),
                q, k, v, position, out);
    }

    /** The in-process all-reduce over all N ranks (each rank sums in rank order, so every rank gets the same bits). */
    @Override
    public void allReduceSum(int r, float[] y) {
        long bytes = (long) y.length * Float.BYTES;
        if (reduceBuffers[r] == null || reduceBuffers[r].byteSize() < bytes) reduceBuffers[r] = buffers.allocate(bytes, 64);   // this rank's slot only
        MemorySegment seg = reduceBuffers[r].asSlice(0, bytes);
        MemorySegment.copy(y, 0, seg, ValueLayout.JAVA_FLOAT, 0, y.length);
        world.rank(r).allReduceSum(seg);
        MemorySegment.copy(seg, ValueLayout.JAVA_FLOAT, 0, y, 0, y.length);
    }

    @Override public String describe() { return "Helix " + m.kvp() + " KVP x " + m.tpa() + " TPA emulated ranks (" + m.size() + " threads; W_O and FFN over all " + m.size() + ")"; }

    @Override
    public void close() {
        for (PagedKvCache[] row : caches) for (PagedKvCache c : row) if (c != null) c.close();
        for (HelixAttentionExchange e : exchanges) e.close();
        for (InProcessGroup g : kvpGroups) g.close();
        world.close();
        buffers.close();
    }
}
