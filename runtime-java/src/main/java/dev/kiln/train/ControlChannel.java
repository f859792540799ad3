package dev.kiln.train;

import dev.kiln.collective.Communicator;
import dev.kiln.collective.lossy.ReplicaDrift;

import java.lang.foreign.MemorySegment;

/**
 * The metrics of a run, over a reliable {@link Communicator} (threads, TCP or MPI): exact means of scalars and
 * the replica drift. Never on the lossy path, so that what is measured is not itself lost.
 */
final class ControlChannel {
    private final Communicator comm;

    ControlChannel(Communicator comm) { this.comm = comm; }

    /** Mean over ranks of {@code value}, summed in double in rank order: the same on every rank. */
    double mean(double value) {
        // Heap segments: the in-process communicator reads them from the other ranks' threads.
        double[] all = new double[comm.size()];
        comm.allGather(MemorySegment.ofArray(new double[]{value}), MemorySegment.ofArray(all));
        double s = 0;
        for (double v : all) s += v;
        return s / comm.size();
    }

    /** {@code sqrt(mean_r ||x_r - x̄||²) / ||x̄||} over {@code params[0, length)}, gathered to every rank. */
    double relativeDrift(float[] params, int length) {
        int w = comm.size();
        float[] all = new float[w * length];
        comm.allGather(MemorySegment.ofArray(params).asSlice(0, (long) length * Float.BYTES), MemorySegment.ofArray(all));
        float[][] replicas = new float[w][];
        for (int r = 0; r < w; r++) replicas[r] = java.util.Arrays.copyOfRange(all, r * length, (r + 1) * length);
        double norm = 0;
        for (int i = 0; i < length; i++) {
            double mean = 0;
            for (float[] x : replicas) mean += x[i];
            mean /= w;
            norm += mean * mean;
        }
        return norm == 0 ? 0 : Math.sqrt(ReplicaDrift.meanSquaredDeviation(replicas) / norm);
    }
}
