package dev.kiln.inference.model;

import dev.kiln.attention.DecodeShape;
import dev.kiln.attention.KvDtype;
import dev.kiln.attention.PagedKvCache;
import dev.kiln.attention.SplitKvDecodeAttention;
import dev.kiln.attention.helix.HelixAttentionExchange;
import dev.kiln.attention.helix.HelixMapping;
import dev.kiln.attention.helix.RankThreads;
import dev.kiln.collective.inproc.InProcessGroup;
import dev.kiln.device.Buffer;
import dev.kiln.device.Device;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Attention sharded as Helix does it, over {@code kvp × tpa} emulated ranks (threads of this JVM): TPA splits the
 * KV heads, KVP the positions (round-robin blocks of {@link HelixMapping#appendBlock()}, global positions kept).
 * Each rank attends its query heads over its own paged KV shard with the split-KV kernel, then the ranks of a
 * TPA slice exchange (O, LSE) in one all-to-all and each merges the heads it owns with the LSE merge kernel.
 * The merged heads of all ranks make the layer's attention output, which the model's projections consume on
 * one rank (the linear layers are not tensor-parallel here).
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

    @Override
    public void attend(int layer, float[] q, float[] k, float[] v, int position, float[] out) {
        int dk = shape.kDim(), dv = shape.vDim(), lq = m.qHeadsPerRank(), lk = m.kvHeadsPerRank();
        int owner = m.kvOwner(position);
        // Checked here, before any rank starts: a rank that failed on its own would leave its peers in the all-to-all.
        for (int r = 0; r < m.size(); r++) {
            if (caches[r][layer].length(0) != m.tokensOn(m.kvpRank(r), position)) {
                throw new IllegalArgumentException("position " + position + " does not follow the positions cached on rank " + r);
            }
        }
        RankThreads.run(m.size(), r -> {
            PagedKvCache cache = caches[r][layer];
            int kvpRank = m.kvpRank(r);
            HelixAttentionExchange ex = exchanges[r];
            try (Arena a = Arena.ofConfined()) {
                if (owner == kvpRank) {
                    int k0 = m.firstKvHead(r);
                    MemorySegment ks = a.allocateFrom(ValueLayout.JAVA_FLOAT, java.util.Arrays.copyOfRange(k, k0 * dk, (k0 + lk) * dk));
                    MemorySegment vs = a.allocateFrom(ValueLayout.JAVA_FLOAT, java.util.Arrays.copyOfRange(v, k0 * dv, (k0 + lk) * dv));
                    cache.append(0, ks, vs, 1);
                }
                if (cache.length(0) == 0) {
                    // No position here yet: the empty state (O = 0, LSE = −∞), the merge's identity.
                    MemorySegment lse = a.allocate((long) lq * Float.BYTES);
                    for (int h = 0; h < lq; h++) lse.setAtIndex(ValueLayout.JAVA_FLOAT, h, Float.NEGATIVE_INFINITY);
                    ex.pack(a.allocate((long) lq * dv * Float.BYTES), lse);
                } else {
                    int q0 = m.firstQHead(r);
                    try (Buffer qb = device.upload(a.allocateFrom(ValueLayout.JAVA_FLOAT, java.util.Arrays.copyOfRange(q, q0 * dk, (q0 + lq) * dk)));
                         SplitKvDecodeAttention.Result res = SplitKvDecodeAttention.attend(qb, cache, scale, 0)) {
                        ex.pack(res.output(), res.lse());
                    }
                }
            }
            ex.exchange(kvpGroups[m.tpaRank(r)].rank(kvpRank));
            MemorySegment merged = ex.merge();
            int count = m.mergedHeadCount(r), first = m.firstMergedHead(r);
            if (count > 0) MemorySegment.copy(merged, ValueLayout.JAVA_FLOAT, 0, out, first * dv, count * dv);
        });
    }

    @Override public String describe() { return "Helix " + m.kvp() + " KVP x " + m.tpa() + " TPA emulated ranks (" + m.size() + " threads)"; }

    @Override
    public void close() {
        for (PagedKvCache[] row : caches) for (PagedKvCache c : row) if (c != null) c.close();
        for (HelixAttentionExchange e : exchanges) e.close();
        for (InProcessGroup g : kvpGroups) g.close();
    }
}
