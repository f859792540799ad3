package dev.kiln.attention.cpu;

import dev.kiln.device.cpu.CpuLaunch;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The arguments of {@code split_kv_decode}, in the order {@link dev.kiln.attention.AttentionKernels#decode}
 * passes them, and the per-task work both cpu decode kernels share around their inner loops: the split's
 * token range, the scaled queries of a KV head, and writing one head's (O, LSE).
 */
record DecodeArgs(MemorySegment q, MemorySegment kPool, MemorySegment vPool, MemorySegment table, MemorySegment lens,
                  MemorySegment outO, MemorySegment outLse, int batch, int hq, int hkv, int dk, int dv, int blockSize,
                  int maxBlocks, int splits, int dtype, int vStride, float scale) {

    static DecodeArgs of(CpuLaunch l) {
        return new DecodeArgs(l.buffer(0), l.buffer(1), l.buffer(2), l.buffer(3), l.buffer(4), l.buffer(5), l.buffer(6),
                l.intArg(7), l.intArg(8), l.intArg(9), l.intArg(10), l.intArg(11), l.intArg(12), l.intArg(13),
                l.intArg(14), l.intArg(15), l.intArg(16), l.floatArg(17));
    }

    /** Query heads per KV head. */
    int group() { return hq / hkv; }

    boolean bf16() { return dtype == 1; }

    /** Bytes per stored K/V element. */
    int elementBytes() { return bf16() ? 2 : 4; }

    /** First token of split {@code split} of sequence {@code b}. */
    int splitStart(int b, int split) {
        int len = lens.getAtIndex(ValueLayout.JAVA_INT, b);
        return Math.min(len, split * Math.ceilDiv(len, splits));
    }

    /** One past the last token of split {@code split} of sequence {@code b}. */
    int splitEnd(int b, int split) {
        int len = lens.getAtIndex(ValueLayout.JAVA_INT, b);
        return Math.min(len, splitStart(b, split) + Math.ceilDiv(len, splits));
    }

    /** {@code qs[g·dk + d] = q[b][kvh·group + g][d] · scale} for the group of KV head {@code kvh}. */
    void scaledQueries(int b, int kvh, float[] qs) {
        int group = group();
        for (int g = 0; g < group; g++) {
            long qBase = ((long) b * hq + (long) kvh * group + g) * dk;
            for (int d = 0; d < dk; d++) qs[g * dk + d] = q.getAtIndex(ValueLayout.JAVA_FLOAT, qBase + d) * scale;
        }
    }

    /**
     * Writes the partial states of KV head {@code kvh}'s query heads for this split: O normalised by the
     * running sum, LSE = max + log(sum), and (−∞, 0) for a split that held no tokens; NaN anywhere in a head's
     * scores or values reaches its O and LSE.
     */
    void writeStates(int b, int kvh, int split, float[] acc, float[] m, float[] sum) {
        int group = group();
        for (int g = 0; g < group; g++) {
            long state = ((long) b * hq + (long) kvh * group + g) * splits + split;
            // Only an empty split has sum 0 (the max token alone adds e^0 = 1); a NaN sum stays NaN in O and LSE.
            boolean empty = sum[g] == 0;
            float inv = empty ? 0f : 1f / sum[g];
            for (int d = 0; d < dv; d++) outO.setAtIndex(ValueLayout.JAVA_FLOAT, state * dv + d, acc[g * dv + d] * inv);
            outLse.setAtIndex(ValueLayout.JAVA_FLOAT, state, empty ? Float.NEGATIVE_INFINITY : m[g] + (float) Math.log(sum[g]));
        }
    }
}
