package dev.kiln.inference.model;

import dev.kiln.attention.PagedKvCache;
import dev.kiln.attention.SplitKvDecodeAttention;
import dev.kiln.attention.helix.HelixAttentionExchange;
import dev.kiln.attention.helix.HelixMapping;
import dev.kiln.collective.Communicator;
import dev.kiln.device.Buffer;
import dev.kiln.device.Device;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * One Helix rank's attention for one layer at one position, however the ranks meet (threads: {@link HelixKvAttention};
 * processes: {@link ProcessKvAttention}): append K/V where this rank owns the position, attend its paged KV shard with
 * the split-KV kernel (or, before it holds any position, the empty state), exchange (O, LSE) with the other KVP ranks
 * of its TPA slice and merge the heads it holds after the exchange.
 */
final class HelixRankAttention {
    private HelixRankAttention() {}

    /**
     * @param cache    this rank's KV shard of the layer
     * @param kvpGroup the KVP ranks of this rank's TPA slice
     * @param out      {@code [mergedHeadCount(rank)][vDim]}
     */
    static void attend(Device device, HelixMapping m, int rank, PagedKvCache cache, int vDim, float scale, HelixAttentionExchange exchange,
                       Communicator kvpGroup, float[] q, float[] k, float[] v, int position, float[] out) {
        int lq = m.qHeadsPerRank(), kvpRank = m.kvpRank(rank);
        if (cache.length(0) != m.tokensOn(kvpRank, position)) {
            throw new IllegalArgumentException("position " + position + " does not follow the positions cached on rank " + rank);
        }
        try (Arena a = Arena.ofConfined()) {
            if (m.kvOwner(position) == kvpRank) cache.append(0, a.allocateFrom(ValueLayout.JAVA_FLOAT, k), a.allocateFrom(ValueLayout.JAVA_FLOAT, v), 1);
            if (cache.length(0) == 0) {
                // No position here yet: the empty state (O = 0, LSE = −∞), the merge's identity.
                MemorySegment lse = a.allocate((long) lq * Float.BYTES);
                for (int h = 0; h < lq; h++) lse.setAtIndex(ValueLayout.JAVA_FLOAT, h, Float.NEGATIVE_INFINITY);
                exchange.pack(a.allocate((long) lq * vDim * Float.BYTES), lse);
            } else {
                try (Buffer qb = device.upload(a.allocateFrom(ValueLayout.JAVA_FLOAT, q));
                     SplitKvDecodeAttention.Result res = SplitKvDecodeAttention.attend(qb, cache, scale, 0)) {
                    exchange.pack(res.output(), res.lse());
                }
            }
        }
        exchange.exchange(kvpGroup);
        MemorySegment merged = exchange.merge();
        int count = m.mergedHeadCount(rank);
        if (count > 0) MemorySegment.copy(merged, ValueLayout.JAVA_FLOAT, 0, out, 0, count * vDim);
    }
}
