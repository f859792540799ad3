package dev.kiln.collective.lossy;

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
}
