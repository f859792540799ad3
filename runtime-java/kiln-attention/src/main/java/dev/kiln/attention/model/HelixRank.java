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
    private final MemorySegment reduceBuffer;
    /** Phase times of lock-step steps and of HOP-B steps, kept apart so the two can be compared. */
    final PhaseTimes timesLockStep = new PhaseTimes(), timesHopB = new PhaseTimes();

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
     * copy), updated in place through every layer. The QKV projection runs once for the whole batch
     * (weights read once); attention and the exchange run per micro-batch. With {@code hopB} each
     * micro-batch's all-to-all starts as soon as its attention is done and runs while the next one
     * computes; without it the exchanges follow all the attention in lock-step. The work is the same
     * either way, so the two can be compared step by step.
     */
    void step(float[] x, long pos, boolean hopB) {
        PhaseTimes times = hopB ? timesHopB : timesLockStep;
        int h = s.hidden(), lq = m.qHeadsPerRank(), lk = m.kvHeadsPerRank(), dk = s.kDim(), dv = s.vDim();
        boolean owner = m.kvOwner(pos) == m.kvpRank(rank);
        int merged = m.mergedHeadCount(rank);
        float[] attnOut = new float[batch * merged * dv];
        float[] q = new float[batch * lq * dk], k = new float[batch * lk * dk], v = new float[batch * lk * dv];
        for (int l = 0; l < s.layers(); l++) {
            LayerWeights w = layers[l];
            long t0 = System.nanoTime();
            float[] xn = Ops.rmsNorm(x, batch, h, w.attnNorm());
            Ops.matmul(xn, batch, h, w.wq(), lq * dk, q);
            Ops.matmul(xn, batch, h, w.wk(), lk * dk, k);
            if (!s.latentV()) Ops.matmul(xn, batch, h, w.wv(), lk * dv, v);
            Ops.rope(q, batch, lq, dk, s.ropeOffset(), s.ropeDims(), pos, s.ropeTheta());
            Ops.rope(k, batch, lk, dk, s.ropeOffset(), s.ropeDims(), pos, s.ropeTheta());
            if (owner) {
                try (Arena a = Arena.ofConfined()) {
                    for (int b = 0; b < batch; b++) {
                        MemorySegment kr = a.allocateFrom(ValueLayout.JAVA_FLOAT, java.util.Arrays.copyOfRange(k, b * lk * dk, (b + 1) * lk * dk));
                        MemorySegment vr = s.latentV() ? kr : a.allocateFrom(ValueLayout.JAVA_FLOAT, java.util.Arrays.copyOfRange(v, b * lk * dv, (b + 1) * lk * dv));
                        caches[l][b / mbSize].append(b % mbSize, kr, vr, 1);
                    }
                }
            }
            times.add(Phase.QKV, System.nanoTime() - t0);
            @SuppressWarnings("unchecked")
            CompletableFuture<Void>[] pending = new CompletableFuture[microBatches];
            for (int mb = 0; mb < microBatches; mb++) {
                long t1 = System.nanoTime();
                float[] qb = java.util.Arrays.copyOfRange(q, mb * mbSize * lq * dk, (mb + 1) * mbSize * lq * dk);
                try (Arena a = Arena.ofConfined();
                     Buffer qBuf = device.upload(a.allocateFrom(ValueLayout.JAVA_FLOAT, qb));
                     SplitKvDecodeAttention.Result r = SplitKvDecodeAttention.attend(qBuf, caches[l][mb], s.attention().defaultScale(), splits)) {
                    exchanges[mb].pack(r.output(), r.lse());
                }
                times.add(Phase.ATTENTION, System.nanoTime() - t1);
                if (hopB) pending[mb] = exchanges[mb].exchangeAsync(kvpGroup);
            }
            if (!hopB) {
                long t1 = System.nanoTime();
                for (int mb = 0; mb < microBatches; mb++) exchanges[mb].exchange(kvpGroup);
                times.add(Phase.ALL_TO_ALL, System.nanoTime() - t1);
            }
            for (int mb = 0; mb < microBatches; mb++) {
                long t1 = System.nanoTime();
                if (hopB) {
                    pending[mb].join();
                    times.add(Phase.ALL_TO_ALL, System.nanoTime() - t1);
                }
                long t2 = System.nanoTime();
                MemorySegment o = exchanges[mb].merge();
                int slots = exchanges[mb].slots();
                for (int b = 0; b < mbSize; b++) {
                    MemorySegment.copy(o, ValueLayout.JAVA_FLOAT, (long) b * slots * dv * Float.BYTES,
                            attnOut, ((mb * mbSize + b) * merged) * dv, merged * dv);
                }
                times.add(Phase.MERGE, System.nanoTime() - t2);
            }
            long t3 = System.nanoTime();
            float[] y = new float[batch * h];
            Ops.matmul(attnOut, batch, merged * dv, w.wo(), h, y);
            allReduce(y);
            Ops.addInPlace(x, y, batch * h);
            long t4 = System.nanoTime();
            times.add(Phase.W_O, t4 - t3);
            float[] xf = Ops.rmsNorm(x, batch, h, w.ffnNorm());
            int fc = m.ffnCount(rank, s.ffn());
            if (w.moe() != null) {
                w.moe().forward(xf, batch, s, fc, y);   // this rank's experts and TPF slice; the all-reduce adds the rest
            } else {
                float[] gate = new float[batch * fc], up = new float[batch * fc];
                Ops.matmul(xf, batch, h, w.w1(), fc, gate);
                Ops.matmul(xf, batch, h, w.w3(), fc, up);
                Ops.swiglu(gate, up, batch * fc);
                Ops.matmul(gate, batch, fc, w.w2(), h, y);
            }
            allReduce(y);
            Ops.addInPlace(x, y, batch * h);
            times.add(Phase.FFN, System.nanoTime() - t4);
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
