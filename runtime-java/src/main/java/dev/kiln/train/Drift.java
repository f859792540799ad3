package dev.kiln.train;

/** Replica drift: how far the workers' copies of the parameters are from their mean. */
public final class Drift {
    private Drift() {}

    /** {@code sqrt(mean_r ||x_r - x̄||²) / ||x̄||} over the first {@code length} entries, in double. */
    public static double relative(float[][] replicas, int length) {
        int w = replicas.length;
        double spread = 0, norm = 0;
        for (int i = 0; i < length; i++) {
            double mean = 0;
            for (float[] x : replicas) mean += x[i];
            mean /= w;
            norm += mean * mean;
            for (float[] x : replicas) {
                double d = x[i] - mean;
                spread += d * d;
            }
        }
        return norm == 0 ? 0 : Math.sqrt(spread / w) / Math.sqrt(norm);
    }
}
