package dev.kiln.train;

import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicLong;

/**
 * W ranks as threads of one JVM exchanging through shared memory, with seeded Bernoulli(p) loss per packet of
 * {@code packetFloats} floats and per (sender, receiver): the loss model of the paper, reproducible and without
 * privileges. Summation is in rank order whatever arrives, so {@code p = 0} gives bit-identical results for
 * every policy that divides by W.
 */
public final class InProcessLossyGroup {
    private final int size, shardLength, packetFloats;
    private final double lossProbability;
    private final LossPolicy policy;
    private final long seed;
    private final CyclicBarrier barrier;
    private final float[][] published;
    private final double[] scalars;
    private volatile double drift;
    private final AtomicLong sent = new AtomicLong(), delivered = new AtomicLong();

    /**
     * @param size            number of ranks W
     * @param shardLength     floats per rank's shard (the flat vectors hold {@code size * shardLength})
     * @param packetFloats    floats per packet, the unit of loss (368 floats = a 1472-byte UDP payload)
     * @param lossProbability p, per packet and per directed pair, in [0, 1)
     */
    public InProcessLossyGroup(int size, int shardLength, int packetFloats, double lossProbability, LossPolicy policy, long seed) {
        if (size < 1) throw new IllegalArgumentException("size = " + size + "; must be >= 1");
        if (shardLength < 1) throw new IllegalArgumentException("shardLength = " + shardLength + "; must be >= 1");
        if (packetFloats < 1) throw new IllegalArgumentException("packetFloats = " + packetFloats + "; must be >= 1");
        if (!(lossProbability >= 0 && lossProbability < 1)) {
            throw new IllegalArgumentException("lossProbability = " + lossProbability + "; must be in [0, 1)");
        }
        this.size = size;
        this.shardLength = shardLength;
        this.packetFloats = packetFloats;
        this.lossProbability = lossProbability;
        this.policy = policy;
        this.seed = seed;
        this.barrier = new CyclicBarrier(size);
        this.published = new float[size][];
        this.scalars = new double[size];
    }

    public GradientSync rank(int rank) {
        if (rank < 0 || rank >= size) throw new IllegalArgumentException("rank = " + rank + "; must be in [0, " + size + ")");
        return new Rank(rank);
    }

    /** splitmix64 of the packet's coordinates: the same packet is lost in every run with the same seed. */
    private boolean arrives(long step, int phase, int sender, int receiver, int packet) {
        if (policy == LossPolicy.RELIABLE || lossProbability == 0 || sender == receiver) return true;
        long z = seed ^ (step * 0x9E3779B97F4A7C15L) ^ ((long) phase << 62) ^ ((long) sender << 48) ^ ((long) receiver << 32) ^ packet;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        z ^= z >>> 31;
        return (z >>> 11) * 0x1.0p-53 >= lossProbability;
    }

    private void await() {
        try {
            barrier.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted at a barrier", e);
        } catch (BrokenBarrierException e) {
            throw new IllegalStateException("another rank failed", e);
        }
    }

    private final class Rank implements GradientSync {
        private final int rank;
        private long step;

        Rank(int rank) { this.rank = rank; }

        @Override public int rank() { return rank; }

        @Override public int size() { return size; }

        @Override public int shardLength() { return shardLength; }

        private void checkLength(String name, float[] v) {
            if (v.length != size * shardLength) {
                throw new IllegalArgumentException(name + ".length = " + v.length + "; expected size * shardLength = " + size * shardLength);
            }
        }

        @Override
        public void reduceScatterMean(float[] grad, float[] shardGrad) {
            checkLength("grad", grad);
            published[rank] = grad;
            await();
            int base = rank * shardLength;
            long sentHere = 0, arrivedHere = 0;
            float invW = 1f / size, invKeep = (float) (1 / (1 - lossProbability));
            for (int from = 0, packet = 0; from < shardLength; from += packetFloats, packet++) {
                int to = Math.min(shardLength, from + packetFloats);
                java.util.Arrays.fill(shardGrad, from, to, 0f);
                int count = 0;
                for (int sender = 0; sender < size; sender++) {
                    if (sender != rank) sentHere++;
                    if (!arrives(step, 0, sender, rank, packet)) continue;
                    if (sender != rank) arrivedHere++;
                    count++;
                    float[] g = published[sender];
                    float w = policy == LossPolicy.RESCALE_BY_P && sender != rank ? invKeep : 1f;
                    for (int i = from; i < to; i++) shardGrad[i] += w * g[base + i];
                }
                float scale = policy == LossPolicy.RESCALE_BY_COUNT ? 1f / count : invW;
                for (int i = from; i < to; i++) shardGrad[i] *= scale;
            }
            sent.addAndGet(sentHere);
            delivered.addAndGet(arrivedHere);
            await();
        }

        @Override
        public void broadcastShards(float[] params) {
            checkLength("params", params);
            published[rank] = params;
            await();
            long sentHere = 0, arrivedHere = 0;
            for (int owner = 0; owner < size; owner++) {
                if (owner == rank) continue;
                float[] src = published[owner];
                int base = owner * shardLength;
                for (int from = 0, packet = 0; from < shardLength; from += packetFloats, packet++) {
                    sentHere++;
                    if (!arrives(step, 1, owner, rank, packet)) continue;
                    arrivedHere++;
                    int n = Math.min(packetFloats, shardLength - from);
                    System.arraycopy(src, base + from, params, base + from, n);
                }
            }
            sent.addAndGet(sentHere);
            delivered.addAndGet(arrivedHere);
            step++;
            await();
        }

        @Override
        public double meanOverRanks(double value) {
            scalars[rank] = value;
            await();
            double s = 0;
            for (double v : scalars) s += v;
            await();
            return s / size;
        }

        @Override
        public double replicaDrift(float[] params, int length) {
            published[rank] = params;
            await();
            if (rank == 0) drift = Drift.relative(published, length);
            await();
            return drift;
        }

        @Override
        public double deliveredFraction() {
            long s = sent.get();
            return s == 0 ? 1.0 : delivered.get() / (double) s;
        }
    }
}
