package dev.kiln.attention.model;

import dev.kiln.attention.KvDtype;
import dev.kiln.attention.helix.HelixMapping;
import dev.kiln.attention.helix.RankThreads;
import dev.kiln.attention.model.PhaseTimes.Phase;
import dev.kiln.collective.inproc.InProcessGroup;
import dev.kiln.device.Device;

import java.lang.foreign.Arena;
import java.util.Map;

/**
 * A decoder with random weights run as Helix on {@code N = kvp × tpa} emulated ranks (one thread each,
 * one {@link HelixRank} each): per layer, QKV for the rank's TPA slice, attention over its KV shard,
 * one all-to-all of (O, LSE) within its KVP group, merge, W_O at TP = N and an all-reduce, SwiGLU FFN
 * at TPF = N (or a mixture of experts on the TPF × EP grid) and an all-reduce. KV positions go to KVP ranks in staggered round-robin blocks of
 * {@link HelixMapping#appendBlock()} steps, keeping global positions for RoPE. With HOP-B the batch is
 * cut into micro-batches and each one's all-to-all runs while the next one's attention computes.
 * KVP = TPA = 1 is the single-rank decoder the Helix runs are compared with.
 */
public final class HelixDecoder implements AutoCloseable {
    /**
     * @param capacity     most positions (context + generated) any sequence will reach
     * @param microBatches HOP-B micro-batches (divides batch); 1 = the whole batch at once
     * @param splits       split-KV splits per sequence, 0 = chosen from the device
     */
    public record Config(ModelShape model, HelixMapping mapping, KvDtype kvDtype, int blockSize, int batch,
                         int microBatches, boolean hopB, int splits, long seed, int capacity) {
        public Config {
            if (mapping.qHeads() != model.qHeads() || mapping.kvHeads() != model.kvHeads()) {
                throw new IllegalArgumentException("mapping heads " + mapping.qHeads() + "/" + mapping.kvHeads() + " do not match model " + model.name());
            }
            if (!model.moe() && mapping.ep() != 1) {
                throw new IllegalArgumentException("a dense FFN runs at TPF = N, EP = 1; ep was " + mapping.ep() + " for " + model.name());
            }
            if (model.moe() && mapping.ep() > model.experts()) {
                throw new IllegalArgumentException("ep = " + mapping.ep() + " exceeds the " + model.experts() + " experts of " + model.name());
            }
            if (batch < 1) throw new IllegalArgumentException("batch must be >= 1, was " + batch);
            if (microBatches < 1 || batch % microBatches != 0) {
                throw new IllegalArgumentException("microBatches must divide batch=" + batch + ", was " + microBatches);
            }
            if (capacity < 1) throw new IllegalArgumentException("capacity must be >= 1, was " + capacity);
        }
    }

    private final Config config;
    private final InProcessGroup world;
    private final InProcessGroup[] kvpGroups;
    private final HelixRank[] ranks;
    private final Arena arena = Arena.ofShared();
    private final TiedEmbedding ends;
    private long position;
    private int stepsHopB, stepsLockStep;
    private volatile int faultRank = -1;
    private volatile RuntimeException injectedFault;

    public HelixDecoder(Device device, Config c) {
        this.config = c;
        HelixMapping m = c.mapping();
        ModelShape s = c.model();
        this.world = new InProcessGroup(m.size());
        this.kvpGroups = new InProcessGroup[m.tpa()];
        for (int t = 0; t < m.tpa(); t++) kvpGroups[t] = new InProcessGroup(m.kvp());
        this.ends = new TiedEmbedding(arena, s, c.seed());
        this.ranks = new HelixRank[m.size()];
        for (int r = 0; r < m.size(); r++) {
            ranks[r] = new HelixRank(r, c, device, world.rank(r), kvpGroups[m.tpaRank(r)].rank(m.kvpRank(r)));
        }
    }

    public Config config() { return config; }

    /** The groups the ranks meet in: a failing rank aborts them all. */
    private InProcessGroup[] groups() {
        InProcessGroup[] all = java.util.Arrays.copyOf(kvpGroups, kvpGroups.length + 1);
        all[kvpGroups.length] = world;
        return all;
    }

    /** Test seam: rank {@code rank} throws {@code fault} at the start of every later step (fail-fast tests). */
    void injectFault(int rank, RuntimeException fault) {
        this.faultRank = rank;
        this.injectedFault = fault;
    }

    public long position() { return position; }

    /** Fills positions [0, context) of every sequence with synthetic KV (a prefill's result), spread round-robin. */
    public void prefillSynthetic(int context, long seed) {
        if (position != 0) throw new IllegalStateException("prefill must come first, position is " + position);
        if (context >= config.capacity()) throw new IllegalArgumentException("context " + context + " leaves no room under capacity " + config.capacity());
        RankThreads.run(ranks.length, r -> ranks[r].prefillSynthetic(context, seed), groups());
        position = context;
    }

    /** KV bytes every attention of one step reads, over all ranks and layers. */
    public long kvBytes() {
        long sum = 0;
        for (HelixRank r : ranks) sum += r.kvBytes();
        return sum;
    }

    /** Feeds one token per sequence at the next position, HOP-B as configured; returns logits {@code [batch][vocab]}. */
    public float[] step(int[] tokens) { return step(tokens, config.hopB()); }

    /** {@link #step(int[])} with HOP-B chosen for this step (the same work, overlapped or not). */
    public float[] step(int[] tokens, boolean hopB) {
        ModelShape s = config.model();
        int batch = config.batch();
        if (tokens.length != batch) throw new IllegalArgumentException("need " + batch + " tokens, got " + tokens.length);
        float[] x0 = ends.embed(tokens);
        float[] logits = new float[batch * s.vocab()];
        long pos = position;
        RankThreads.run(ranks.length, r -> {
            float[] x = x0.clone();
            RuntimeException fault = injectedFault;
            if (fault != null && r == faultRank) throw fault;
            ranks[r].step(x, pos, hopB);
            if (r == 0) {
                long t0 = System.nanoTime();
                ends.logits(x, batch, logits);
                (hopB ? ranks[0].timesHopB : ranks[0].timesLockStep).add(Phase.LM_HEAD, System.nanoTime() - t0);
            }
        }, groups());
        position++;
        if (hopB) stepsHopB++;
        else stepsLockStep++;
        return logits;
    }

    /** Rank 0's milliseconds per step in each phase, over the HOP-B or the lock-step steps since {@link #resetTimes}. */
    public Map<Phase, Double> phaseMillis(boolean hopB) {
        return hopB ? ranks[0].timesHopB.perStepMillis(stepsHopB) : ranks[0].timesLockStep.perStepMillis(stepsLockStep);
    }

    public void resetTimes() {
        stepsHopB = stepsLockStep = 0;
        for (HelixRank r : ranks) {
            r.timesHopB.reset();
            r.timesLockStep.reset();
        }
    }

    public static int argmax(float[] logits, int row, int vocab) {
        int best = 0;
        for (int i = 1; i < vocab; i++) if (logits[row * vocab + i] > logits[row * vocab + best]) best = i;
        return best;
    }

    @Override
    public void close() {
        for (HelixRank r : ranks) r.close();
        world.close();
        for (InProcessGroup g : kvpGroups) g.close();
        arena.close();
    }
}
