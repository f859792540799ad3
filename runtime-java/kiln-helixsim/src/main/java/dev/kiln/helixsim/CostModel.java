package dev.kiln.helixsim;

/**
 * The analytical decode-step model of Helix Parallelism (Bhatia et al., arXiv 2507.07120, Appendix A),
 * extended with a FLOP term, α–β communication, HOP-B overlap and an HBM capacity check.
 *
 * <p>Per layer, on the busiest GPU: memory time = (KV bytes + weight bytes) / achieved HBM bandwidth,
 * FLOP time = FLOPs / dense FLOP/s, layer time = max(memory, FLOPs) + exposed communication. TTL sums the
 * layers (dense and MoE separately) and adds one point-to-point hop per pipeline boundary.
 */
public final class CostModel {
    private final ModelSpec model;
    private final HardwareSpec hw;
    private final SimSettings settings;
    private final Collectives comm;

    public CostModel(ModelSpec model, HardwareSpec hw, SimSettings settings) {
        this.model = model;
        this.hw = hw;
        this.settings = settings;
        this.comm = new Collectives(hw);
    }

    public ModelSpec model() { return model; }

    public HardwareSpec hardware() { return hw; }

    public SimSettings settings() { return settings; }

    public Estimate estimate(Layout l) {
        LayerCost dense = layer(l, false);
        LayerCost moe = model.isMoe() ? layer(l, true) : dense;
        double nd = model.denseLayerCount(), nm = model.moeLayerCount();
        double hops = settings.includeCommunication() ? (l.pp() - 1) * pipelineHop(l) : 0;
        double ttl = nd * dense.seconds() + nm * moe.seconds() + hops;
        return new Estimate(l, ttl,
                nd * dense.memorySeconds() + nm * moe.memorySeconds(),
                nd * dense.flopSeconds() + nm * moe.flopSeconds(),
                nd * dense.commSeconds() + nm * moe.commSeconds() + hops,
                weightBytesHeld(l), kvBytesHeld(l), hw.hbmCapacityBytes());
    }

    /** The cost of one dense ({@code moeLayer = false}) or MoE layer under layout {@code l}. */
    public LayerCost layer(Layout l, boolean moeLayer) {
        double bytes = settings.precision().bytes();
        double flopRate = hw.flopsPerSecond(settings.precision());
        double bw = hw.effectiveHbmBytesPerSecond();
        AttentionSpec a = model.attention();
        int h = model.hiddenSize();

        double attnBatch = l.attentionBatch();
        double positions = settings.contextTokens() / l.kvp();
        double kvBytes = attnBatch * a.kvElementsPerToken(l.tpa()) * positions * bytes;
        double attnCoreFlops = attnBatch * a.flopsPerPosition(l.tpa()) * positions;

        double qkv = a.qkvWeightElements(h, l.tpa());
        double wo = a.outputWeightElements(h, outputProjectionShards(l));
        double attnWeights = qkv + wo;
        double attnFlops = attnCoreFlops + 2 * attnBatch * attnWeights;

        double tokens = l.batch();
        double ffnWeightsRead;
        double ffnFlops;
        if (moeLayer) {
            MoeSpec m = model.moe();
            double expert = model.swigluElements(m.expertFfnSize());
            double routedLocal = (m.routedExperts() / (double) l.ep()) * m.expectedActiveFraction(tokens) * expert / l.tpf();
            double shared = m.sharedExperts() * expert / l.ffnGpus();
            ffnWeightsRead = routedLocal + shared;
            ffnFlops = 2 * (tokens * m.activeExperts() / l.ep()) * expert / l.tpf() + 2 * tokens * shared;
        } else {
            ffnWeightsRead = model.swigluElements(model.ffnSize()) / l.ffnGpus();
            ffnFlops = 2 * tokens * ffnWeightsRead;
        }

        double weightBytes = (attnWeights + ffnWeightsRead) * bytes;
        double memory = (kvBytes + weightBytes) / bw;
        double flops = attnFlops + ffnFlops;
        double flopTime = settings.includeCompute() ? flops / flopRate : 0;
        double attentionCore = Math.max(kvBytes / bw, settings.includeCompute() ? attnCoreFlops / flopRate : 0);
        double commTime = settings.includeCommunication() ? communication(l, moeLayer, attentionCore) : 0;
        return new LayerCost(kvBytes, weightBytes, flops, memory, flopTime, commTime);
    }

    /** W_O is sharded TPA ways, except for Helix when it is charged at TP = N. */
    private double outputProjectionShards(Layout l) {
        return l.strategy() == Strategy.HELIX && settings.outputProjection() == OutputProjection.AT_N
                ? l.stageGpus() : l.tpa();
    }

    /** Exposed communication of one layer; {@code attentionCore} is the attention time HOP-B can hide behind. */
    private double communication(Layout l, boolean moeLayer, double attentionCore) {
        double cb = settings.commBytesPerElement();
        int h = model.hiddenSize();
        int n = l.stageGpus();
        double b = l.batch();
        double hiddenBytes = b * h * cb;
        return switch (l.strategy()) {
            case HELIX -> exposedAllToAll(l, attentionCore)
                    + comm.allReduce(n, hiddenBytes)      // after W_O at TP = N
                    + comm.allReduce(n, hiddenBytes);     // after the FFN (MoE: intra-expert reduce + inter-expert gather)
            case TP -> comm.allReduce(n, hiddenBytes) + comm.allReduce(n, hiddenBytes);
            case DP_ATTENTION -> comm.allReduce(l.tpa(), l.attentionBatch() * h * cb) + ffnExchange(l, moeLayer);
            case MEDHA_KVP -> comm.gatherToRoot(l.kvp(), partialOutputBytes(l) / l.kvp())
                    + comm.allReduce(l.tpa(), hiddenBytes)
                    + comm.allReduce(l.tpa(), hiddenBytes)
                    + comm.broadcast(l.kvp(), hiddenBytes);
        };
    }

    /**
     * Bytes of partial attention output (plus softmax statistics) one KVP rank produces for the whole batch:
     * B · (Q/TPA) heads · (width · wire bytes + 8 bytes of stats), the width set by {@link CombineVolume}.
     */
    private double partialOutputBytes(Layout l) {
        AttentionSpec a = model.attention();
        double width = settings.combineVolume() == CombineVolume.HIDDEN
                ? model.hiddenSize() / (double) a.queryHeads() : a.partialOutputElementsPerHead();
        return l.batch() * a.queryHeadsPerGpu(l.tpa())
                * (width * settings.commBytesPerElement() + AttentionSpec.STATS_BYTES_PER_HEAD);
    }

    /**
     * The attention all-to-all across the KVP ranks, minus what HOP-B hides, for attention compute
     * {@code attentionCore} of the whole batch. Pipelining m micro-batches (compute c = core/m,
     * communication d = α + transfer/m each; micro-batch i's all-to-all runs during i+1's attention) takes
     * c + (m−1)·max(c, d) + d. {@link Schedule#BATCHED}: off is m = 1, on is the best power of two m ≤ B.
     * {@link Schedule#PER_REQUEST} (the paper's Fig. 3): off serialises B·(c + d) with m = B, on pipelines m = B.
     */
    double exposedAllToAll(Layout l, double attentionCore) {
        int g = l.kvp();
        if (g == 1) return 0;
        double alpha = comm.alpha(g);
        double transfer = comm.allToAll(g, partialOutputBytes(l)) - alpha;
        int b = l.batch();
        if (settings.schedule() == Schedule.PER_REQUEST) {
            return settings.hopB() ? pipelined(attentionCore, alpha, transfer, b) - attentionCore : b * alpha + transfer;
        }
        double best = alpha + transfer;
        if (settings.hopB()) {
            for (int m = 2; m <= b && b % m == 0; m *= 2) best = Math.min(best, pipelined(attentionCore, alpha, transfer, m) - attentionCore);
        }
        return best;
    }

    /** Time of m pipelined micro-batches: c + (m−1)·max(c, d) + d. */
    private static double pipelined(double core, double alpha, double transfer, int m) {
        double c = core / m, d = alpha + transfer / m;
        return c + (m - 1) * Math.max(c, d) + d;
    }

    /**
     * DP attention → FFN and back. Dense FFN (TP over the stage): all-gather the batch's activations, then
     * reduce-scatter the outputs. MoE: the cheaper of that and a dispatch/combine all-to-all pair, in which
     * each token goes to its k experts (each expert held by tpf GPUs).
     */
    private double ffnExchange(Layout l, boolean moeLayer) {
        int n = l.stageGpus();
        double cb = settings.commBytesPerElement();
        double hiddenBytes = l.batch() * model.hiddenSize() * cb;
        double gatherScatter = comm.allGather(n, hiddenBytes) + comm.allGather(n, hiddenBytes);
        if (!moeLayer) return gatherScatter;
        double tokensPerGpu = l.batch() / (double) n;
        double perGpu = tokensPerGpu * model.moe().activeExperts() * l.tpf() * model.hiddenSize() * cb;
        double dispatchCombine = comm.allToAll(n, perGpu) + comm.allToAll(n, perGpu);
        return Math.min(gatherScatter, dispatchCombine);
    }

    /** Activations [B, H] handed from one pipeline stage to the next. */
    private double pipelineHop(Layout l) {
        return hw.linkFor(2).seconds(l.batch() * model.hiddenSize() * settings.commBytesPerElement());
    }

    /** Stage layers on one GPU: ⌈L/PP⌉, so an uneven split is charged to the largest stage. */
    private double stageLayerFraction(Layout l) {
        return Math.ceil(model.layers() / (double) l.pp()) / model.layers();
    }

    /** Weight bytes resident on the busiest GPU (every expert of its EP slice, not only the active ones). */
    public double weightBytesHeld(Layout l) {
        AttentionSpec a = model.attention();
        int h = model.hiddenSize();
        double attn = a.qkvWeightElements(h, l.tpa()) + a.outputWeightElements(h, outputProjectionShards(l));
        double dense = model.swigluElements(model.ffnSize()) / l.ffnGpus();
        double total = model.denseLayerCount() * (attn + dense);
        if (model.isMoe()) {
            MoeSpec m = model.moe();
            double expert = model.swigluElements(m.expertFfnSize());
            double moeFfn = (m.routedExperts() / (double) l.ep()) * expert / l.tpf() + m.sharedExperts() * expert / l.ffnGpus();
            total += model.moeLayerCount() * (attn + moeFfn);
        }
        return total * stageLayerFraction(l) * settings.precision().bytes();
    }

    /**
     * KV-cache bytes resident on one GPU: its attention batch's share of the sequence for the stage's
     * layers, for all pp micro-batches in flight.
     */
    public double kvBytesHeld(Layout l) {
        double perLayer = l.attentionBatch() * model.attention().kvElementsPerToken(l.tpa())
                * (settings.contextTokens() / l.kvp()) * settings.precision().bytes();
        return perLayer * model.layers() * stageLayerFraction(l) * l.pp();
    }
}
