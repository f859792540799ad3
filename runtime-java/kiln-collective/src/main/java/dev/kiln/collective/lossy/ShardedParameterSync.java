package dev.kiln.collective.lossy;

import dev.kiln.collective.telemetry.CollectiveProfile;
import dev.kiln.collective.telemetry.PhaseReport;

import java.lang.foreign.MemorySegment;

/**
 * The paper's sharded parameter path, one object per rank. Every rank holds the whole flat parameter
 * vector; rank r owns shard r ({@link #layout}). One training step:
 * <pre>{@code
 * ShardGradient g = sync.reduceScatterGradients(step, grads);   // owner's mean gradient of its shard
 * optimizer.update(params, g.offset(), g.mean());                // owner updates ONLY its shard
 * sync.broadcastParameters(step, params);                        // owners broadcast their shards
 * }</pre>
 * Reduce-scatter is count-rescaled by default ({@link LossPolicy}); in the broadcast, a rank that misses
 * a packet keeps its previous value for that range (stale retention), so replicas drift by a bounded
 * amount instead of diverging. Both calls return by the phase deadline whatever arrives.
 *
 * <p>Every rank calls both methods with the same {@code step} and the same vector length, in the same
 * order; each rank uses its object from one thread. Vectors are fp32, either {@code float[]} or a
 * {@link MemorySegment} (heap or native) of {@code 4 * n} bytes.
 */
public interface ShardedParameterSync extends AutoCloseable {
    int rank();

    int size();

    /** Which elements of a vector of {@code n} floats each rank owns. */
    default ShardLayout layout(long n) { return new ShardLayout(n, size()); }

    /**
     * Sends each owner its shard of {@code grads} and returns this rank's estimate of the mean gradient
     * over its own shard, with per-packet contribution counts. {@code grads} is not modified.
     */
    ShardGradient reduceScatterGradients(int step, MemorySegment grads);

    default ShardGradient reduceScatterGradients(int step, float[] grads) {
        return reduceScatterGradients(step, MemorySegment.ofArray(grads));
    }

    /**
     * Broadcasts this rank's shard of {@code params} and overwrites the other shards of {@code params}
     * with what arrives from their owners; ranges whose packets are lost keep their previous values (or, with
     * {@link LossyOptions#broadcastMomentum} set, take a value predicted from their last observed step).
     */
    PhaseReport broadcastParameters(int step, MemorySegment params);

    default PhaseReport broadcastParameters(int step, float[] params) {
        return broadcastParameters(step, MemorySegment.ofArray(params));
    }

    /** Telemetry of everything this rank did so far. */
    CollectiveProfile profile();

    @Override
    void close();
}
