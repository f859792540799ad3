package dev.kiln.attention.helix;

import dev.kiln.attention.DecodeShape;
import dev.kiln.attention.KvDtype;
import dev.kiln.attention.PagedKvCache;
import dev.kiln.attention.SplitKvDecodeAttention;
import dev.kiln.collective.Communicator;
import dev.kiln.collective.inproc.InProcessGroup;
import dev.kiln.device.Buffer;
import dev.kiln.device.Device;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Helix attention for given tensors, on {@code N = kvp × tpa} emulated ranks (threads, each with its
 * own cache and buffers): tokens are placed on KVP ranks in staggered round-robin blocks, heads on TPA
 * ranks; every rank attends over its shard, the KVP ranks of each TPA slice exchange (O, LSE) in one
 * all-to-all and merge. The merged outputs are gathered into {@code [B][Hq][Dv]} for checking.
 * Layouts are those of {@code kiln helix attend}: q {@code [B][Hq][Dk]}, k {@code [B][S][Hkv][Dk]},
 * v {@code [B][S][Hkv][Dv]}.
 */
public final class HelixAttentionEmulator {
    private HelixAttentionEmulator() {}

    public record Result(float[] output, float[] lse, int[] tokensPerKvpRank) {}

    public static Result run(Device device, HelixMapping m, DecodeShape shape, KvDtype dtype, int blockSize,
                             int batch, int seq, float[] q, float[] k, float[] v, float scale, int splits) {
        if (m.qHeads() != shape.qHeads() || m.kvHeads() != shape.kvHeads()) {
            throw new IllegalArgumentException("mapping heads " + m.qHeads() + "/" + m.kvHeads() + " differ from shape " + shape.qHeads() + "/" + shape.kvHeads());
        }
        int hq = shape.qHeads(), dv = shape.vDim();
        float[] out = new float[batch * hq * dv];
        float[] lse = new float[batch * hq];
        int[] tokens = new int[m.kvp()];
        for (int r = 0; r < m.kvp(); r++) tokens[r] = m.tokensOn(r, seq);
        InProcessGroup[] slices = new InProcessGroup[m.tpa()];
        for (int t = 0; t < m.tpa(); t++) slices[t] = new InProcessGroup(m.kvp());
        try {
            RankThreads.run(m.size(), rank -> runRank(device, m, rank, slices[m.tpaRank(rank)].rank(m.kvpRank(rank)),
                    shape, dtype, blockSize, batch, seq, q, k, v, scale, splits, out, lse), slices);
        } finally {
            for (InProcessGroup g : slices) g.close();
        }
        return new Result(out, lse, tokens);
    }

    private static void runRank(Device device, HelixMapping m, int rank, Communicator kvpGroup, DecodeShape shape, KvDtype dtype,
                                int blockSize, int batch, int seq, float[] q, float[] k, float[] v, float scale, int splits,
                                float[] out, float[] lseOut) {
        DecodeShape local = shape.slice(m.kvHeadsPerRank());
        int kvp = m.kvpRank(rank), kv0 = m.firstKvHead(rank), q0 = m.firstQHead(rank);
        int hkv = shape.kvHeads(), dk = shape.kDim(), dv = shape.vDim(), hq = shape.qHeads();
        int mine = m.tokensOn(kvp, seq);
        try (Arena arena = Arena.ofConfined();
             PagedKvCache cache = new PagedKvCache(device, local, dtype, blockSize, batch, mine);
             HelixAttentionExchange ex = new HelixAttentionExchange(device, m, rank, batch, dv)) {
            // Positions arrive on a KVP rank in whole append blocks: one append per block, not per token.
            int lk = local.kvHeads(), run = m.appendBlock();
            MemorySegment kRun = arena.allocate((long) run * lk * dk * Float.BYTES);
            MemorySegment vRun = arena.allocate((long) run * lk * dv * Float.BYTES);
            for (int b = 0; b < batch; b++) {
                for (int p0 = 0; p0 < seq; p0 += run) {
                    if (m.kvOwner(p0) != kvp) continue;
                    int n = Math.min(run, seq - p0);
                    for (int t = 0; t < n; t++) {
                        long src = (long) (b * seq + p0 + t) * hkv + kv0;
                        MemorySegment.copy(k, (int) (src * dk), kRun, ValueLayout.JAVA_FLOAT, (long) t * lk * dk * Float.BYTES, lk * dk);
                        if (!shape.latentV()) MemorySegment.copy(v, (int) (src * dv), vRun, ValueLayout.JAVA_FLOAT, (long) t * lk * dv * Float.BYTES, lk * dv);
                    }
                    cache.append(b, kRun, vRun, n);
                }
            }
            int lq = local.qHeads();
            MemorySegment qs = arena.allocate((long) batch * lq * dk * Float.BYTES);
            for (int b = 0; b < batch; b++) {
                MemorySegment.copy(q, (b * hq + q0) * dk, qs, ValueLayout.JAVA_FLOAT, (long) b * lq * dk * Float.BYTES, lq * dk);
            }
            try (Buffer qb = device.upload(qs);
                 SplitKvDecodeAttention.Result partial = SplitKvDecodeAttention.attend(qb, cache, scale, splits)) {
                ex.pack(partial.output(), partial.lse());
            }
            ex.exchange(kvpGroup);
            MemorySegment merged = ex.merge();
            MemorySegment mergedLse = ex.mergedLse();
            int first = m.firstMergedHead(rank), count = m.mergedHeadCount(rank), slots = ex.slots();
            for (int b = 0; b < batch; b++) {
                for (int i = 0; i < count; i++) {
                    MemorySegment.copy(merged, ValueLayout.JAVA_FLOAT, ((long) b * slots + i) * dv * Float.BYTES, out, (b * hq + first + i) * dv, dv);
                    lseOut[b * hq + first + i] = mergedLse.getAtIndex(ValueLayout.JAVA_FLOAT, (long) b * slots + i);
                }
            }
        }
    }
}
