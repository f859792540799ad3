package dev.kiln.train;

import dev.kiln.collective.Communicator;
import dev.kiln.collective.lossy.ReplicaDrift;
import dev.kiln.collective.rendezvous.ControlChannel;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The metrics of a run over a reliable all-gather of bytes (the in-process communicator, or the TCP rendezvous
 * channel outside every lossy port range): exact means of scalars and the replica drift. Never on the lossy
 * path, so that what is measured is not itself lost.
 */
public final class MetricsChannel {
    /** Every rank's {@code mine}, in rank order, on every rank. */
    @FunctionalInterface
    public interface AllGather {
        byte[][] allGather(byte[] mine);
    }

    private final AllGather gather;

    public MetricsChannel(AllGather gather) { this.gather = gather; }

    /** Over the rendezvous channel of a multi-process job. */
    public static MetricsChannel of(ControlChannel control) { return new MetricsChannel(control::allGather); }

    /** Over a reliable communicator whose ranks send equal-sized parts (as every metric here does). */
    public static MetricsChannel of(Communicator comm) {
        return new MetricsChannel(mine -> {
            byte[] all = new byte[mine.length * comm.size()];
            // Heap segments: the in-process communicator reads them from the other ranks' threads.
            comm.allGather(MemorySegment.ofArray(mine), MemorySegment.ofArray(all));
            byte[][] out = new byte[comm.size()][];
            for (int r = 0; r < out.length; r++) out[r] = java.util.Arrays.copyOfRange(all, r * mine.length, (r + 1) * mine.length);
            return out;
        });
    }

    /** Mean over ranks of {@code value}, summed in double in rank order: the same on every rank. */
    public double mean(double value) {
        byte[][] all = gather.allGather(ByteBuffer.allocate(Double.BYTES).order(ByteOrder.LITTLE_ENDIAN).putDouble(value).array());
        double s = 0;
        for (byte[] b : all) s += ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getDouble();
        return s / all.length;
    }

    /** {@code sqrt(mean_r ||x_r - x̄||²) / ||x̄||} over {@code params[0, length)}, gathered to every rank. */
    public double relativeDrift(float[] params, int length) {
        byte[] mine = new byte[length * Float.BYTES];
        MemorySegment.copy(params, 0, MemorySegment.ofArray(mine), ValueLayout.JAVA_FLOAT_UNALIGNED, 0, length);
        byte[][] all = gather.allGather(mine);
        int w = all.length;
        float[][] replicas = new float[w][length];
        for (int r = 0; r < w; r++) MemorySegment.copy(MemorySegment.ofArray(all[r]), ValueLayout.JAVA_FLOAT_UNALIGNED, 0, replicas[r], 0, length);
        double norm = 0;
        for (int i = 0; i < length; i++) {
            double mean = 0;
            for (float[] x : replicas) mean += x[i];
            mean /= w;
            norm += mean * mean;
        }
        return norm == 0 ? 0 : Math.sqrt(ReplicaDrift.meanSquaredDeviation(replicas) / norm);
    }

    /**
     * The owners' model: shard r of the result is rank r's shard of {@code params} ({@code shardLength} floats each),
     * gathered reliably to every rank. Under loss each replica holds some stale ranges of the shards it does not own;
     * the owners' shards are the model the optimiser actually trained (what a sharded checkpoint would save).
     */
    public float[] ownersModel(float[] params, int rank, int shardLength) {
        byte[] mine = new byte[shardLength * Float.BYTES];
        MemorySegment.copy(params, rank * shardLength, MemorySegment.ofArray(mine), ValueLayout.JAVA_FLOAT_UNALIGNED, 0, shardLength);
        byte[][] all = gather.allGather(mine);
        float[] out = new float[all.length * shardLength];
        for (int r = 0; r < all.length; r++) {
            MemorySegment.copy(MemorySegment.ofArray(all[r]), ValueLayout.JAVA_FLOAT_UNALIGNED, 0, out, r * shardLength, shardLength);
        }
        return out;
    }
}
