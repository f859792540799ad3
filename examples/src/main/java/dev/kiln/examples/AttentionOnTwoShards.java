package dev.kiln.examples;

import dev.kiln.attention.AttentionState;
import dev.kiln.attention.DecodeShape;
import dev.kiln.attention.KvDtype;
import dev.kiln.attention.PagedKvCache;
import dev.kiln.attention.SplitKvDecodeAttention;
import dev.kiln.device.Buffer;
import dev.kiln.device.Device;
import dev.kiln.device.Devices;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;

/**
 * Decode attention over a KV sequence split into two shards (as two Helix ranks hold it), each shard attended on
 * its own, the two (O, LSE) states merged, and the result compared with attention over the whole sequence.
 */
public final class AttentionOnTwoShards {
    private static final DecodeShape SHAPE = new DecodeShape(8, 2, 64, 64, false);   // 8 query heads share 2 KV heads (GQA)
    private static final int TOKENS = 1000, FIRST_SHARD = 600;

    public static void main(String[] args) {
        SplittableRandom random = new SplittableRandom(7);
        float[] k = gaussian(random, TOKENS * SHAPE.kvHeads() * SHAPE.kDim());
        float[] v = gaussian(random, TOKENS * SHAPE.kvHeads() * SHAPE.vDim());
        float[] q = gaussian(random, SHAPE.qHeads() * SHAPE.kDim());
        float scale = (float) (1 / Math.sqrt(SHAPE.kDim()));

        try (Device device = Devices.open("auto")) {
            AttentionState[] whole = attend(device, q, k, v, 0, TOKENS, scale);
            AttentionState[] first = attend(device, q, k, v, 0, FIRST_SHARD, scale);
            AttentionState[] second = attend(device, q, k, v, FIRST_SHARD, TOKENS, scale);
            double worst = 0;
            for (int h = 0; h < SHAPE.qHeads(); h++) {
                AttentionState merged = first[h].merge(second[h]);
                worst = Math.max(worst, Math.abs(merged.lse() - whole[h].lse()));
                float[] a = merged.output(), b = whole[h].output();
                for (int d = 0; d < a.length; d++) worst = Math.max(worst, Math.abs(a[d] - b[d]));
            }
            System.out.printf("%d tokens as %d + %d on %s: merged shards vs whole sequence, max difference %.2e%n",
                    TOKENS, FIRST_SHARD, TOKENS - FIRST_SHARD, device.info().name(), worst);
            if (!(worst <= 1e-5)) throw new AssertionError("shards merged differ from the whole by " + worst);
        }
    }

    /** One (O, LSE) per query head over tokens [from, to) of the sequence, from a paged KV cache holding just those. */
    private static AttentionState[] attend(Device device, float[] q, float[] k, float[] v, int from, int to, float scale) {
        int tokens = to - from;
        try (Arena arena = Arena.ofConfined();
             PagedKvCache cache = new PagedKvCache(device, SHAPE, KvDtype.FP32, 64, 1, tokens)) {
            int kRow = SHAPE.kvHeads() * SHAPE.kDim(), vRow = SHAPE.kvHeads() * SHAPE.vDim();
            MemorySegment kPart = arena.allocateFrom(ValueLayout.JAVA_FLOAT, java.util.Arrays.copyOfRange(k, from * kRow, to * kRow));
            MemorySegment vPart = arena.allocateFrom(ValueLayout.JAVA_FLOAT, java.util.Arrays.copyOfRange(v, from * vRow, to * vRow));
            cache.append(0, kPart, vPart, tokens);
            try (Buffer query = device.upload(arena.allocateFrom(ValueLayout.JAVA_FLOAT, q));
                 SplitKvDecodeAttention.Result r = SplitKvDecodeAttention.attend(query, cache, scale, 0)) {
                MemorySegment o = arena.allocate(r.output().byteSize()), lse = arena.allocate(r.lse().byteSize());
                device.queue().read(r.output(), 0, o);
                device.queue().read(r.lse(), 0, lse);
                device.queue().finish();
                AttentionState[] states = new AttentionState[SHAPE.qHeads()];
                for (int h = 0; h < states.length; h++) {
                    float[] out = o.asSlice((long) h * SHAPE.vDim() * 4, SHAPE.vDim() * 4L).toArray(ValueLayout.JAVA_FLOAT);
                    states[h] = new AttentionState(out, lse.getAtIndex(ValueLayout.JAVA_FLOAT, h));
                }
                return states;
            }
        }
    }

    private static float[] gaussian(SplittableRandom random, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) random.nextGaussian();
        return a;
    }
}
