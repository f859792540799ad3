package dev.kiln.inference.model;

import dev.kiln.attention.DecodeShape;
import dev.kiln.attention.KvDtype;
import dev.kiln.attention.PagedKvCache;
import dev.kiln.attention.helix.HelixAttentionExchange;
import dev.kiln.attention.helix.HelixMapping;
import dev.kiln.attention.helix.HelixProcessGroups;
import dev.kiln.collective.Communicator;
import dev.kiln.device.Device;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.function.IntConsumer;

/**
 * This process as ONE rank of a Helix {@code kvp × tpa} job whose other ranks are other processes (on this host or
 * others), met through {@link HelixProcessGroups}: the same layer as {@link HelixKvAttention} runs on each of its
 * threads, but {@link #parallel} runs only this process's rank body, the (O, LSE) all-to-all goes over the KVP group's
 * {@link Communicator} and the W_O / FFN all-reduce over the world's. The model builds only this rank's weight shards
 * ({@link #holdsRank}).
 *
 * <p>Every rank runs the whole decoder step on its own copy of the residual stream. The copies stay bit-identical:
 * they start from the same embedding row, every rank-local computation between two all-reduces (norms, RoPE,
 * residual adds) is the same code on the same bits, and the ring all-reduce hands every rank the same reduced
 * chunks (reduce-scatter, then all-gather of the owners' results). So every rank computes the same logits; the
 * caller can check that the ranks pick the same token with {@link RankAgreement}.
 */
public final class ProcessKvAttention implements KvAttention {
    private final Device device;
    private final HelixMapping m;
    private final int rank;
    private final DecodeShape local;
    private final KvDtype dtype;
    private final int capacity;
    private final float scale;
    private final Communicator world, kvpGroup;
    private final PagedKvCache[] caches;   // [layer]: this rank's KV shard
    private final HelixAttentionExchange exchange;
    private final Arena buffers = Arena.ofShared();   // the TCP ring's sender thread reads the all-reduce buffer
    private MemorySegment reduceBuffer = MemorySegment.NULL;

    public ProcessKvAttention(Device device, int layers, DecodeShape shape, KvDtype dtype, int capacity, float scale, HelixMapping mapping,
                              HelixProcessGroups groups) {
        if (shape.latentV()) throw new IllegalArgumentException("latent V is not supported by the inference models");
        if (mapping.qHeads() != shape.qHeads() || mapping.kvHeads() != shape.kvHeads()) {
            throw new IllegalArgumentException("mapping heads " + mapping.qHeads() + "/" + mapping.kvHeads() + " do not match the model's " + shape.qHeads() + "/" + shape.kvHeads());
        }
        if (mapping.kvp() != groups.kvp() || mapping.tpa() != groups.tpa()) {
            throw new IllegalArgumentException("mapping " + mapping.kvp() + " KVP x " + mapping.tpa() + " TPA does not match the process groups' "
                    + groups.kvp() + " x " + groups.tpa());
        }
        this.device = device;
        this.m = mapping;
        this.rank = groups.rank();
        this.local = shape.slice(mapping.kvHeadsPerRank());
        this.dtype = dtype;
        this.capacity = capacity;
        this.scale = scale;
        this.world = groups.world();
        this.kvpGroup = groups.kvpGroup();
        if (world.size() != m.size()) throw new IllegalStateException("the world group has " + world.size() + " ranks, the mapping " + m.size());
        if (kvpGroup.rank() != m.kvpRank(rank)) {
            throw new IllegalStateException("rank " + rank + " is KVP rank " + kvpGroup.rank() + " of its group, the mapping says " + m.kvpRank(rank));
        }
        this.caches = new PagedKvCache[layers];
        this.exchange = new HelixAttentionExchange(device, m, rank, 1, shape.vDim());
        reset();
    }

    @Override
    public void reset() {
        int mine = m.tokensOn(m.kvpRank(rank), capacity);
        for (int l = 0; l < caches.length; l++) {
            if (caches[l] != null) caches[l].close();
            caches[l] = new PagedKvCache(device, local, dtype, PagedKvAttention.BLOCK, 1, mine);
        }
    }

    @Override public HelixMapping mapping() { return m; }

    /** This process's rank of the job. */
    public int rank() { return rank; }

    @Override public boolean holdsRank(int r) { return r == rank; }

    /** Only this process's rank: the others run in their own processes. */
    @Override
    public void parallel(IntConsumer rankBody) { rankBody.accept(rank); }

    /** This rank's residual stream after the layers, which the all-reduces keep equal to every other rank's. */
    @Override
    public float[] acrossRanks(float[] x, int layers, LayerPass layer) {
        float[] xr = x.clone();
        for (int l = 0; l < layers; l++) layer.apply(rank, l, xr);
        return xr;
    }

    @Override
    public void attend(int r, int layer, float[] q, float[] k, float[] v, int position, float[] out) {
        if (r != rank) throw new IllegalArgumentException("rank = " + r + "; this process is rank " + rank);
        HelixRankAttention.attend(device, m, rank, caches[layer], local.vDim(), scale, exchange, kvpGroup, q, k, v, position, out);
    }

    /** The world group's all-reduce (a ring: every rank receives the same reduced bits). */
    @Override
    public void allReduceSum(int r, float[] y) {
        if (r != rank) throw new IllegalArgumentException("rank = " + r + "; this process is rank " + rank);
        if (m.size() == 1) return;
        long bytes = (long) y.length * Float.BYTES;
        if (reduceBuffer.byteSize() < bytes) reduceBuffer = buffers.allocate(bytes, 64);
        MemorySegment seg = reduceBuffer.asSlice(0, bytes);
        MemorySegment.copy(y, 0, seg, ValueLayout.JAVA_FLOAT, 0, y.length);
        world.allReduceSum(seg);
        MemorySegment.copy(seg, ValueLayout.JAVA_FLOAT, 0, y, 0, y.length);
    }

    @Override
    public String describe() {
        return "Helix " + m.kvp() + " KVP x " + m.tpa() + " TPA ranks as processes (this is rank " + rank + " of " + m.size() + ")";
    }

    /** Closes the caches and buffers; the process groups belong to the caller. */
    @Override
    public void close() {
        for (PagedKvCache c : caches) if (c != null) c.close();
        exchange.close();
        buffers.close();
    }
}
