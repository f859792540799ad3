package dev.kiln.collective.lossy;

import dev.kiln.collective.rendezvous.ControlChannel;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Replica drift: how far the ranks' copies of the parameters have wandered apart. */
public final class ReplicaDrift {
    private ReplicaDrift() {}

    /** {@code mean_i ||x_i - xbar||^2} over the replicas {@code x_i} (rows), in fp64. */
    public static double meanSquaredDeviation(float[][] replicas) {
        int ranks = replicas.length;
        if (ranks == 0) return 0;
        int n = replicas[0].length;
        double total = 0;
        for (int j = 0; j < n; j++) {
            double mean = 0;
            for (float[] x : replicas) mean += x[j];
            mean /= ranks;
            for (float[] x : replicas) total += (x[j] - mean) * (x[j] - mean);
        }
        return total / ranks;
    }

    /**
     * The same across processes, "when asked": every rank's full parameter vector travels over the
     * reliable control channel (so use it every so many steps, on models that fit), and every rank gets
     * the same answer.
     */
    public static double acrossRanks(ControlChannel control, float[] params) {
        ByteBuffer mine = ByteBuffer.allocate(params.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        mine.asFloatBuffer().put(params);
        byte[][] all = control.allGather(mine.array());
        float[][] replicas = new float[all.length][];
        for (int r = 0; r < all.length; r++) {
            if (all[r].length != mine.capacity()) {
                throw new IllegalArgumentException("rank " + r + " has " + all[r].length / Float.BYTES + " parameters, rank "
                        + control.rank() + " has " + params.length);
            }
            replicas[r] = new float[params.length];
            ByteBuffer.wrap(all[r]).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(replicas[r]);
        }
        return meanSquaredDeviation(replicas);
    }
}
