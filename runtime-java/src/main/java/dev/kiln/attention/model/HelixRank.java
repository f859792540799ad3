package dev.kiln.attention.model;

import dev.kiln.attention.DecodeShape;
import dev.kiln.attention.KvDtype;
import dev.kiln.attention.PagedKvCache;
import dev.kiln.attention.SplitKvDecodeAttention;
import dev.kiln.attention.helix.HelixAttentionExchange;
import dev.kiln.attention.helix.HelixMapping;
import dev.kiln.attention.model.PhaseTimes.Phase;
import dev.kiln.collective.Communicator;
import dev.kiln.device.Buffer;
import dev.kiln.device.Device;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.CompletableFuture;

/**
 * One emulated Helix rank: its weight slices, its KV shard (one paged cache per layer and micro-batch),
 * its exchange buffers, and the decode step it runs on its own thread. The residual stream {@code x}
 * is replicated on every rank, as after an all-reduce.
 */
final class HelixRank implements AutoCloseable {
    private final int rank;
    private final ModelShape s;
    private final HelixMapping m;
    private final Device device;
    private final Communicator world, kvpGroup;
    private final Arena arena = Arena.ofShared();
    private final LayerWeights[] layers;
    private final PagedKvCache[][] caches;
    private final HelixAttentionExchange[] exchanges;
    private final int batch, microBatches, mbSize, splits;
    private final boolean hopB;
    private final MemorySegment reduceBuffer;
    final PhaseTimes times = new PhaseTimes();

    HelixRank(int rank, HelixDecoder.Config c, Device device, Communicator world, Communicator kvpGroup) {
        this.rank = rank;
        this.s = c.model();
        this.m = c.mapping();
        this.device = device;
        this.world = world;
        this.kvpGroup = kvpGroup;
        this.batch = c.batch();
        this.microBatches = c.microBatches();
        this.mbSize = batch / microBatches;
        this.hopB = c.hopB();
        this.splits = c.splits();
        this.reduceBuffer = arena.allocate((long) batch * s.hidden() * Float.BYTES, 64);
        this.layers = new LayerWeights[s.layers()];
        for (int l = 0; l < s.layers(); l++) layers[l] = LayerWeights.generate(arena, s, m, rank, l, c.seed());
        DecodeShape local = s.attention().slice(m.kvHeadsPerRank());
        int capacity = m.tokensOn(m.kvpRank(rank), c.capacity());
        this.caches = new PagedKvCache[s.layers()][microBatches];
        for (int l = 0; l < s.layers(); l++) {
            for (int mb = 0; mb < microBatches; mb++) caches[l][mb] = new PagedKvCache(device, local, c.kvDtype(), c.blockSize(), mbSize, capacity);
        }
        this.exchanges = new HelixAttentionExchange[microBatches];
        for (int mb = 0; mb < microBatches; mb++) exchanges[mb] = new HelixAttentionExchange(device, m, rank, mbSize, s.vDim());
    }

    /** KV for positions [0, context) of every sequence, as a prefill would leave it: this rank's round-robin blocks. */
    void prefillSynthetic(int context, long seed) {
        int mine = m.tokensOn(m.kvpRank(rank), context);
        for (int l = 0; l < s.layers(); l++) {
            for (int mb = 0; mb < microBatches; mb++) {
                if (mine > 0) caches[l][mb].fillSynthetic(mine, seed + 7919L * (l * microBatches + mb) + m.tpaRank(rank));
            }
        }
    }

    long kvBytes() {
        long sum = 0;
        for (PagedKvCache[] row : caches) for (PagedKvCache c : row) sum += c.bytesInUse();
        return sum;
    }

    /**
     * One decode step at global position {@code pos}: {@code x} is {@code [batch][hidden]} (this rank's
     * copy), updated in place through every layer.
     */
    void step(float[] x, long pos) {
        int h = s.hidden(), lq = m.qHeadsPerRank(), lk = m.kvHeadsPerRank(), dk = s.kDim(), dv = s.vDim();
        boolean owner = m.kvOwner(pos) == m.kvpRank(rank);
        int merged = m.mergedHeadCount(rank);
        float[] attnOut = new float[batch * merged * dv];
        float[] q = new float[mbSize * lq * dk], k = new float[mbSize * lk * dk], v = new float[mbSize * lk * dv];
        for (int l = 0; l < s.layers(); l++) {
            LayerWeights w = layers[l];
            float[] xn = Ops.rmsNorm(x, batch, h, w.attnNorm());
            @SuppressWarnings("unchecked")
            CompletableFuture<Void>[] pending = new CompletableFuture[microBatches];
            for (int mb = 0; mb < microBatches; mb++) {
                long t0 = System.nanoTime();
                float[] xb = java.util.Arrays.copyOfRange(xn, mb * mbSize * h, (mb + 1) * mbSize * h);
                Ops.matmul(xb, mbSize, h, w.wq(), lq * dk, q);
                Ops.matmul(xb, mbSize, h, w.wk(), lk * dk, k);
                if (!s.latentV()) Ops.matmul(xb, mbSize, h, w.wv(), lk * dv, v);
                Ops.rope(q, mbSize, lq, dk, s.ropeOffset(), s.ropeDims(), pos, s.ropeTheta());
                Ops.rope(k, mbSize, lk, dk, s.ropeOffset(), s.ropeDims(), pos, s.ropeTheta());
                PagedKvCache cache = caches[l][mb];
                if (owner) {
                    try (Arena a = Arena.ofConfined()) {
                        for (int b = 0; b < mbSize; b++) {
                            MemorySegment kr = a.allocateFrom(ValueLayout.JAVA_FLOAT, java.util.Arrays.copyOfRange(k, b * lk * dk, (b + 1) * lk * dk));
                            MemorySegment vr = s.latentV() ? kr : a.allocateFrom(ValueLayout.JAVA_FLOAT, java.util.Arrays.copyOfRange(v, b * lk * dv, (b + 1) * lk * dv));
                            cache.append(b, kr, vr, 1);
                        }
                    }
                }
                long t1 = System.nanoTime();
                times.add(Phase.QKV, t1 - t0);
                try (Arena a = Arena.ofConfined();
                     Buffer qb = device.upload(a.allocateFrom(ValueLayout.JAVA_FLOAT, q));
                     SplitKvDecodeAttention.Result r = SplitKvDecodeAttention.attend(qb, cache, s.attention().defaultScale(), splits)) {
                    exchanges[mb].pack(r.output(), r.lse());
                }
                long t2 = System.nanoTime();
                times.add(Phase.ATTENTION, t2 - t1);
                if (hopB) {
                    pending[mb] = exchanges[mb].exchangeAsync(kvpGroup);
                } else {
                    exchanges[mb].exchange(kvpGroup);
                    times.add(Phase.ALL_TO_ALL, System.nanoTime() - t2);
                }
            }
            for (int mb = 0; mb < microBatches; mb++) {
                long t0 = System.nanoTime();
                if (hopB) pending[mb].join();
                long t1 = System.nanoTime();
                if (hopB) times.add(Phase.ALL_TO_ALL, t1 - t0);
                MemorySegment o = exchanges[mb].merge();
                int slots = exchanges[mb].slots();
                for (int b = 0; b < mbSize; b++) {
                    MemorySegment.copy(o, ValueLayout.JAVA_FLOAT, (long) b * slots * dv * Float.BYTES,
                            attnOut, ((mb * mbSize + b) * merged) * dv, merged * dv);
                }
                times.add(Phase.MERGE, System.nanoTime() - t1);
            }
            long t0 = System.nanoTime();
            float[] y = new float[batch * h];
            Ops.matmul(attnOut, batch, merged * dv, w.wo(), h, y);
            allReduce(y);
            Ops.addInPlace(x, y, batch * h);
            long t1 = System.nanoTime();
            times.add(Phase.W_O, t1 - t0);
            float[] xf = Ops.rmsNorm(x, batch, h, w.ffnNorm());
            int fc = m.ffnCount(rank, s.ffn());
            float[] gate = new float[batch * fc], up = new float[batch * fc];
            Ops.matmul(xf, batch, h, w.w1(), fc, gate);
            Ops.matmul(xf, batch, h, w.w3(), fc, up);
            Ops.swiglu(gate, up, batch * fc);
            Ops.matmul(gate, batch, fc, w.w2(), h, y);
            allReduce(y);
            Ops.addInPlace(x, y, batch * h);
            times.add(Phase.FFN, System.nanoTime() - t1);
        }
    }

    private void allReduce(float[] y) {
        if (world.size() == 1) return;
        // Peers read this segment from their threads, so it comes from the rank's shared arena.
        MemorySegment seg = reduceBuffer.asSlice(0, (long) y.length * Float.BYTES);
        MemorySegment.copy(y, 0, seg, ValueLayout.JAVA_FLOAT, 0, y.length);
        world.allReduceSum(seg);
        MemorySegment.copy(seg, ValueLayout.JAVA_FLOAT, 0, y, 0, y.length);
    }

    @Override
    public void close() {
        for (PagedKvCache[] row : caches) for (PagedKvCache c : row) c.close();
        for (HelixAttentionExchange e : exchanges) e.close();
        arena.close();
    }
}
