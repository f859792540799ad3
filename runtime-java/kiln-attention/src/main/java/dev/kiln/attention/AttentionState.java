package dev.kiln.attention;

import java.util.Arrays;
import java.util.List;

/**
 * The result of attending one query head over one segment of keys: the normalised output {@code O}
 * and the log-sum-exp {@code LSE} of the scaled scores (natural log). Two states over disjoint key
 * segments merge exactly into the state over their union ({@link #merge}); the merge is associative
 * and commutative, and {@link #empty} — {@code (−∞, 0)} — is its identity. This is the operator that
 * joins split-KV partials inside a device and KV-parallel shards across Helix ranks.
 */
public record AttentionState(float[] output, float lse) {
    public AttentionState {
        if (output.length == 0) throw new IllegalArgumentException("output must have at least one element");
        if (Float.isNaN(lse) || lse == Float.POSITIVE_INFINITY) throw new IllegalArgumentException("lse must be finite or -inf, was " + lse);
        output = output.clone();
    }

    /** The state of an empty key segment: contributes nothing to any merge. */
    public static AttentionState empty(int dim) {
        return new AttentionState(new float[dim], Float.NEGATIVE_INFINITY);
    }

    public boolean isEmpty() { return lse == Float.NEGATIVE_INFINITY; }

    public int dim() { return output.length; }

    @Override public float[] output() { return output.clone(); }

    /** The state over the union of both segments: max subtracted first, accumulated in double. */
    public AttentionState merge(AttentionState other) {
        return mergeAll(List.of(this, other));
    }

    /** N-way merge: {@code M = max LSE_i}, {@code w_i = e^(LSE_i − M)}, {@code O = Σ w_i O_i / Σ w_i}, {@code LSE = M + ln Σ w_i}. */
    public static AttentionState mergeAll(List<AttentionState> states) {
        if (states.isEmpty()) throw new IllegalArgumentException("states must not be empty");
        int dim = states.getFirst().dim();
        double max = Double.NEGATIVE_INFINITY;
        for (AttentionState s : states) {
            if (s.dim() != dim) throw new IllegalArgumentException("states have different dims: " + dim + " and " + s.dim());
            max = Math.max(max, s.lse);
        }
        if (max == Double.NEGATIVE_INFINITY) return empty(dim);
        double sum = 0;
        double[] acc = new double[dim];
        for (AttentionState s : states) {
            if (s.isEmpty()) continue;
            double w = Math.exp(s.lse - max);
            sum += w;
            for (int d = 0; d < dim; d++) acc[d] += w * s.output[d];
        }
        float[] out = new float[dim];
        for (int d = 0; d < dim; d++) out[d] = (float) (acc[d] / sum);
        return new AttentionState(out, (float) (max + Math.log(sum)));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof AttentionState s && Float.compare(lse, s.lse) == 0 && Arrays.equals(output, s.output);
    }

    @Override public int hashCode() { return 31 * Arrays.hashCode(output) + Float.hashCode(lse); }

    @Override public String toString() { return "AttentionState[dim=" + output.length + ", lse=" + lse + "]"; }
}
