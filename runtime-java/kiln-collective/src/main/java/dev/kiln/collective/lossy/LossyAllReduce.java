package dev.kiln.collective.lossy;

import dev.kiln.collective.telemetry.CollectiveProfile;
import dev.kiln.collective.telemetry.PhaseReport;
import dev.kiln.collective.wire.DatagramFabric;
import dev.kiln.collective.wire.InProcessDatagramFabric;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Allreduce that tolerates packet loss (Weintraub, Banner, Orda, arXiv 2507.07114), one object per rank,
 * over any {@link DatagramFabric} (UDP, or in-process queues with seeded loss):
 * <ol>
 * <li><b>Reduce-scatter, count-rescaled.</b> Rank r owns shard r. Every rank sends each owner its part of
 * the owner's shard; per packet-sized chunk the owner sums, in rank order, the contributions that arrived
 * (its own always does) and applies the {@link LossPolicy}: by default divides by their number, which is
 * unbiased for the mean when the ranks' inputs share an expectation.</li>
 * <li><b>All-gather with stale retention.</b> Every owner sends its reduced shard to every rank; a chunk
 * that does not arrive keeps the value it had after the previous allreduce of the same tensor id (before
 * any, the rank's own input).</li>
 * </ol>
 * Each phase ends when every peer delivered everything or sent its end marker, or at the phase deadline;
 * what has not arrived by then is lost. With no loss the result equals an exact allreduce bit for bit
 * (rank-ordered fp32 sums, divided by the group size).
 *
 * <p>It is also the {@link ShardedParameterSync} of the paper's parameter path: reduce-scatter of
 * gradients, then a broadcast of parameters with stale retention.
 */
public final class LossyAllReduce implements ShardedParameterSync {
    /** Tensor ids on the wire for the sharded parameter path; {@link #allReduceMean} callers choose their own. */
    public static final int GRADIENT_TENSOR = 0x7FFF_0001;
    public static final int PARAMETER_TENSOR = 0x7FFF_0002;
    static final byte PHASE_REDUCE_SCATTER = LossyPhase.REDUCE_SCATTER.wireCode();
    static final byte PHASE_ALL_GATHER = LossyPhase.ALL_GATHER.wireCode();
    static final byte PHASE_BROADCAST = LossyPhase.BROADCAST.wireCode();
    static final byte PHASE_ALL_TO_ALL = LossyPhase.ALL_TO_ALL.wireCode();

    private final DatagramExchange exchange;
    private final LossyOptions options;
    private final int rank;
    private final int size;
    private final Map<Integer, float[]> previous = new HashMap<>();
    private float[] staging = new float[0];
    private final MomentumRetention retention;   // null: stale retention

    public LossyAllReduce(DatagramFabric fabric, LossyOptions options) {
        this.options = options;
        this.rank = fabric.rank();
        this.size = fabric.size();
        this.exchange = new DatagramExchange(fabric, options.jobId(), options.stashBytes(), new CollectiveProfile(rank, size));
        this.retention = options.broadcastMomentum() > 0 ? new MomentumRetention(options.broadcastMomentum()) : null;
    }

    /** {@code ranks} ranks as threads of this process exchanging datagrams with seeded i.i.d. loss {@code lossRate}. */
    public static LossyAllReduce[] inProcessGroup(int ranks, double lossRate, long seed, LossyOptions options) {
        InProcessDatagramFabric fabric = new InProcessDatagramFabric(ranks, lossRate, seed);
        LossyAllReduce[] out = new LossyAllReduce[ranks];
        for (int r = 0; r < ranks; r++) out[r] = new LossyAllReduce(fabric.endpoint(r), options);
        return out;
    }

    @Override public int rank() { return rank; }
    @Override public int size() { return size; }
    @Override public CollectiveProfile profile() { return exchange.profile(); }
    public LossyOptions options() { return options; }
    public DatagramExchange exchange() { return exchange; }

    /**
     * In place: {@code data} (fp32) becomes the lossy estimate of the element-wise mean over ranks.
     * {@code tensor} names the tensor for stale retention: reuse the same id for the same gradient bucket.
     */
    public AllReduceReport allReduceMean(int step, int tensor, MemorySegment data) {
        return allReduce(step, tensor, data, false);
    }

    public AllReduceReport allReduceMean(int step, int tensor, float[] data) {
        return allReduceMean(step, tensor, MemorySegment.ofArray(data));
    }

    /** In place: the lossy estimate of the element-wise sum (the mean estimate times the group size, exact at p = 0). */
    public AllReduceReport allReduceSum(int step, int tensor, MemorySegment data) {
        return allReduce(step, tensor, data, true);
    }

    private AllReduceReport allReduce(int step, int tensor, MemorySegment data, boolean sum) {
        long t0 = System.nanoTime();
        long n = floats(data, "data");
        ShardLayout layout = new ShardLayout(n, size);
        ShardGradient g = reduceScatter(step, tensor, data, sum);
        float[] prev = previous.get(tensor);
        if (prev == null || prev.length != n) {
            prev = new float[Math.toIntExact(n)];
            MemorySegment.copy(data, ValueLayout.JAVA_FLOAT, 0, prev, 0, prev.length);
            previous.put(tensor, prev);
        }
        System.arraycopy(g.mean(), 0, prev, (int) layout.start(rank), g.length());
        PhaseReport ag = gather(step, tensor, PHASE_ALL_GATHER, "all-gather", MemorySegment.ofArray(prev), layout);
        MemorySegment.copy(prev, 0, data, ValueLayout.JAVA_FLOAT, 0, prev.length);
        long nanos = System.nanoTime() - t0;
        profile().recordOp(sum ? "allreduce-sum" : "allreduce-mean", data.byteSize(), nanos);
        return new AllReduceReport(g.report(), ag, nanos);
    }

    @Override
    public ShardGradient reduceScatterGradients(int step, MemorySegment grads) {
        long t0 = System.nanoTime();
        ShardGradient g = reduceScatter(step, GRADIENT_TENSOR, grads, false);
        profile().recordOp("reduce-scatter-gradients", grads.byteSize(), System.nanoTime() - t0);
        return g;
    }

    @Override
    public PhaseReport broadcastParameters(int step, MemorySegment params) {
        long t0 = System.nanoTime();
        ShardLayout layout = new ShardLayout(floats(params, "params"), size);
        int perPacket = exchange.floatsPerPacket();
        if (retention != null) retention.beforeExchange(step, params, layout, perPacket);
        DatagramExchange.Result r = gatherArrivals(step, PARAMETER_TENSOR, PHASE_BROADCAST, "broadcast-parameters", params, layout);
        if (retention != null) retention.afterExchange(step, params, r.arrived(), layout, rank, perPacket);
        profile().recordOp("broadcast-parameters", params.byteSize(), System.nanoTime() - t0);
        return r.report();
    }

    /**
     * The reduce-scatter half. Contributions land in a staging area (one slot per sender) so that the sum
     * can be taken in rank order: deterministic, identical on every run, and exact against the reference.
     */
    ShardGradient reduceScatter(int step, int tensor, MemorySegment data, boolean sum) {
        long n = floats(data, "data");
        ShardLayout layout = new ShardLayout(n, size);
        int len = layout.length(rank);
        if (staging.length < (long) size * len) staging = new float[Math.toIntExact((long) size * len)];
        MemorySegment stage = MemorySegment.ofArray(staging);
        MemorySegment.copy(data, (layout.start(rank)) * Float.BYTES, stage, (long) rank * len * Float.BYTES, (long) len * Float.BYTES);
        Span[] out = new Span[size];
        Span[] in = new Span[size];
        for (int p = 0; p < size; p++) {
            if (p == rank) continue;
            out[p] = new Span(p, data, layout.start(p), layout.length(p));
            in[p] = new Span(rank, stage, (long) p * len, len);
        }
        DatagramExchange.Result r = exchange.exchange(step, PHASE_REDUCE_SCATTER, "reduce-scatter", tensor, out, in,
                options.phaseDeadline().toNanos(), reliable());
        if (options.policy() == LossPolicy.RELIABLE) requireAll(r.report(), "reduce-scatter");
        int per = exchange.floatsPerPacket();
        int packets = (len + per - 1) / per;
        int[] counts = new int[packets];
        float[] result = new float[len];
        boolean[] has = new boolean[size];
        float[] acc = new float[per];
        double keep = 1.0 / (1.0 - options.assumedLossRate());
        for (int k = 0; k < packets; k++) {
            int from = k * per;
            int m = Math.min(per, len - from);
            int c = 0;
            for (int s = 0; s < size; s++) {
                has[s] = s == rank || r.arrived()[s].get(k);
                if (has[s]) c++;
            }
            counts[k] = c;
            java.util.Arrays.fill(acc, 0, m, 0f);
            for (int s = 0; s < size; s++) {
                if (!has[s]) continue;
                int base = s * len + from;
                for (int e = 0; e < m; e++) acc[e] += staging[base + e];
            }
            if (options.policy() == LossPolicy.RESCALE_BY_P) {
                // own + others / (1 - p): the others' sum is acc minus own, taken separately for clarity.
                int own = rank * len + from;
                for (int e = 0; e < m; e++) {
                    double others = 0;
                    for (int s = 0; s < size; s++) if (s != rank && has[s]) others += staging[s * len + from + e];
                    double est = staging[own + e] + others * keep;
                    result[from + e] = (float) (sum ? est : est / size);
                }
                continue;
            }
            for (int e = 0; e < m; e++) result[from + e] = finish(acc[e], c, sum);
        }
        return new ShardGradient(step, layout.start(rank), result, counts, per, size, r.report());
    }

    private float finish(float s, int count, boolean sum) {
        return switch (options.policy()) {
            case RESCALE_BY_COUNT -> sum ? (count == size ? s : s / count * size) : s / count;
            case ZERO_FILL, RELIABLE -> sum ? s : s / size;
            case RESCALE_BY_P -> throw new AssertionError("handled by the caller");
        };
    }

    /** The all-gather / broadcast half: owner r sends shard r of {@code buf}; other shards are overwritten where packets arrive. */
    PhaseReport gather(int step, int tensor, byte phase, String name, MemorySegment buf, ShardLayout layout) {
        return gatherArrivals(step, tensor, phase, name, buf, layout).report();
    }

    private DatagramExchange.Result gatherArrivals(int step, int tensor, byte phase, String name, MemorySegment buf, ShardLayout layout) {
        Span[] out = new Span[size];
        Span[] in = new Span[size];
        for (int p = 0; p < size; p++) {
            if (p == rank) continue;
            out[p] = new Span(rank, buf, layout.start(rank), layout.length(rank));
            in[p] = new Span(p, buf, layout.start(p), layout.length(p));
        }
        DatagramExchange.Result r = exchange.exchange(step, phase, name, tensor, out, in, options.phaseDeadline().toNanos(), reliable());
        if (options.policy() == LossPolicy.RELIABLE) requireAll(r.report(), name);
        return r;
    }

    /** One lossy all-to-all of 4-byte words: chunk j of {@code send} to rank j, missing chunks keep {@code recv}'s old bytes. */
    public PhaseReport allToAll(int step, int tensor, MemorySegment send, MemorySegment recv) {
        long words = floats(send, "send") / size;
        Span[] out = new Span[size];
        Span[] in = new Span[size];
        for (int p = 0; p < size; p++) {
            if (p == rank) continue;
            out[p] = new Span(p, send, p * words, (int) words);
            in[p] = new Span(rank, recv, p * words, (int) words);
        }
        MemorySegment.copy(send, rank * words * Float.BYTES, recv, rank * words * Float.BYTES, words * Float.BYTES);
        DatagramExchange.Result r = exchange.exchange(step, PHASE_ALL_TO_ALL, "all-to-all", tensor, out, in,
                options.phaseDeadline().toNanos(), reliable());
        if (options.policy() == LossPolicy.RELIABLE) requireAll(r.report(), "all-to-all");
        return r.report();
    }

    /** One lossy broadcast of 4-byte words from {@code root}; ranges lost keep their old bytes. */
    public PhaseReport broadcast(int step, int tensor, MemorySegment data, int root) {
        int words = Math.toIntExact(floats(data, "data"));
        Span[] out = new Span[size];
        Span[] in = new Span[size];
        for (int p = 0; p < size; p++) {
            if (p == rank) continue;
            if (rank == root) out[p] = new Span(root, data, 0, words);
            if (p == root) in[p] = new Span(root, data, 0, words);
        }
        DatagramExchange.Result r = exchange.exchange(step, PHASE_BROADCAST, "broadcast", tensor, out, in,
                options.phaseDeadline().toNanos(), reliable());
        if (options.policy() == LossPolicy.RELIABLE) requireAll(r.report(), "broadcast");
        return r.report();
    }

    private boolean reliable() { return options.policy() == LossPolicy.RELIABLE; }

    private void requireAll(PhaseReport r, String phase) {
        List<Integer> missing = new ArrayList<>();
        for (int p = 0; p < size; p++) if (r.lost(p) > 0) missing.add(p);
        if (!missing.isEmpty()) {
            throw new CollectiveTimeoutException("rank " + rank + ": " + phase + " of step " + r.step() + " missed data from ranks "
                    + missing + " by its deadline of " + options.phaseDeadline().toMillis() + " ms (policy reliable)", missing);
        }
    }

    private static long floats(MemorySegment s, String name) {
        if (s.byteSize() % Float.BYTES != 0) {
            throw new IllegalArgumentException(name + " must hold whole fp32 values, was " + s.byteSize() + " bytes");
        }
        return s.byteSize() / Float.BYTES;
    }


    /** Under the reliable policy, first lingers (up to one phase deadline) to answer late resend requests. */
    @Override
    public void close() {
        if (reliable()) exchange.linger(options.phaseDeadline().toNanos());
        exchange.close();
    }
}
