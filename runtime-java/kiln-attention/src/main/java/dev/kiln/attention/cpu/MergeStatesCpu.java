package dev.kiln.attention.cpu;

import dev.kiln.device.cpu.CpuLaunch;
import dev.kiln.device.cpu.CpuParallel;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * N-way merge of attention states, the contract of {@code merge_states} in {@code attention.cl}: for each
 * row, {@code M = max LSE_i}, {@code w_i = e^(LSE_i − M)}, {@code O = Σ w_i·O_i / Σ w_i},
 * {@code LSE = M + ln Σ w_i}, in fp32 with the max subtracted first; rows whose shards are all empty
 * give {@code (0, −∞)}; a NaN LSE or O propagates as IEEE arithmetic would. Inputs are strided so that split partials and all-to-all receive buffers are
 * merged where they lie.
 */
final class MergeStatesCpu {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;

    private MergeStatesCpu() {}

    static void run(CpuLaunch l) {
        MemorySegment o = l.buffer(0), lse = l.buffer(1), outO = l.buffer(2), outLse = l.buffer(3);
        int n = l.intArg(4), rows = l.intArg(5), dim = l.intArg(6);
        long oOff = l.intArg(7), oShard = l.intArg(8), oRow = l.intArg(9);
        long lOff = l.intArg(10), lShard = l.intArg(11), lRow = l.intArg(12);
        // Below ~64K elements a fork-join hand-off costs more than the merge itself: run it inline.
        CpuParallel.forRange(rows, Math.max(1, (1 << 16) / Math.max(1, n * dim)), (from, to) -> {
            float[] w = new float[n];
            float[] acc = new float[dim];
            for (long r = from; r < to; r++) {
                float max = Float.NEGATIVE_INFINITY;
                for (int i = 0; i < n; i++) max = Math.max(max, lse.getAtIndex(ValueLayout.JAVA_FLOAT, lOff + i * lShard + r * lRow));
                if (max == Float.NEGATIVE_INFINITY) {
                    for (int d = 0; d < dim; d++) outO.setAtIndex(ValueLayout.JAVA_FLOAT, r * dim + d, 0f);
                    outLse.setAtIndex(ValueLayout.JAVA_FLOAT, r, Float.NEGATIVE_INFINITY);
                    continue;
                }
                float sum = 0;
                for (int i = 0; i < n; i++) {
                    w[i] = (float) Math.exp(lse.getAtIndex(ValueLayout.JAVA_FLOAT, lOff + i * lShard + r * lRow) - max);
                    sum += w[i];
                }
                java.util.Arrays.fill(acc, 0f);
                for (int i = 0; i < n; i++) {
                    // Skip only empty shards (LSE −∞, O 0): a shard whose weight underflows to 0 still passes a NaN on.
                    if (lse.getAtIndex(ValueLayout.JAVA_FLOAT, lOff + i * lShard + r * lRow) == Float.NEGATIVE_INFINITY) continue;
                    long base = (oOff + i * oShard + r * oRow) * Float.BYTES;
                    int d = 0;
                    FloatVector wv = FloatVector.broadcast(F, w[i]);
                    for (; d + F.length() <= dim; d += F.length()) {
                        FloatVector.fromMemorySegment(F, o, base + d * 4L, java.nio.ByteOrder.LITTLE_ENDIAN)
                                .fma(wv, FloatVector.fromArray(F, acc, d)).intoArray(acc, d);
                    }
                    for (; d < dim; d++) acc[d] += w[i] * o.get(ValueLayout.JAVA_FLOAT_UNALIGNED, base + d * 4L);
                }
                float inv = 1f / sum;
                for (int d = 0; d < dim; d++) outO.setAtIndex(ValueLayout.JAVA_FLOAT, r * dim + d, acc[d] * inv);
                outLse.setAtIndex(ValueLayout.JAVA_FLOAT, r, max + (float) Math.log(sum));
            }
        });
    }
}
