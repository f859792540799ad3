package dev.kiln.helixsim;

import java.util.ArrayList;
import java.util.List;

/**
 * Enumerates layouts over 1…{@code maxGpus} GPUs (powers of two) and batches 1…{@code maxBatch}
 * (powers of two), estimates each, and keeps those that fit in HBM.
 *
 * <p>Helix: N = KVP × TPA with TPA ≤ K (no KV duplication), FFN as TPF × EP = N (EP only for MoE).
 * Baselines, each optionally pipelined (PP stages of N/PP GPUs): TP (attention TP = N/PP, KV duplicated
 * past K), DP attention (groups of TPA) with a TPF × EP FFN, and Medha-style KVP (KVP × TPA with TPA ≤ K,
 * the FFN on one TP group of TPA GPUs).
 */
public final class Sweep {
    private final CostModel model;
    private final int maxGpus;
    private final int maxBatch;

    public Sweep(CostModel model, int maxGpus, int maxBatch) {
        this.model = model;
        this.maxGpus = Checks.positive("maxGpus", maxGpus);
        this.maxBatch = Checks.positive("maxBatch", maxBatch);
    }

    /** Every Helix layout that fits. */
    public List<Estimate> helix() {
        List<Estimate> out = new ArrayList<>();
        int k = model.model().attention().kvHeads();
        for (int n = 1; n <= maxGpus; n *= 2) {
            for (int tpa = 1; tpa <= Math.min(k, n); tpa *= 2) {
                for (int[] ffn : ffnSplits(n)) {
                    addBatches(out, Strategy.HELIX, 1, 1, n / tpa, tpa, ffn);
                }
            }
        }
        return out;
    }

    /** Every baseline layout (TP, DP attention + EP, Medha-style KVP; each with PP) that fits. */
    public List<Estimate> baselines() {
        List<Estimate> out = new ArrayList<>();
        int k = model.model().attention().kvHeads();
        for (int gpus = 1; gpus <= maxGpus; gpus *= 2) {
            for (int pp = 1; pp <= Math.min(gpus, model.model().layers()); pp *= 2) {
                int n = gpus / pp;
                for (int[] ffn : ffnSplits(n)) addBatches(out, Strategy.TP, pp, 1, 1, n, ffn);
                for (int tpa = 1; tpa < n; tpa *= 2) {
                    for (int[] ffn : ffnSplits(n)) addBatches(out, Strategy.DP_ATTENTION, pp, n / tpa, 1, tpa, ffn);
                }
                for (int tpa = 1; tpa <= Math.min(k, n / 2); tpa *= 2) {
                    for (int[] ffn : ffnSplits(tpa)) addBatches(out, Strategy.MEDHA_KVP, pp, 1, n / tpa, tpa, ffn);
                }
            }
        }
        return out;
    }

    /** (tpf, ep) pairs for an FFN group of g GPUs: TP only for a dense model, every TPF × EP split for MoE. */
    private List<int[]> ffnSplits(int g) {
        List<int[]> splits = new ArrayList<>();
        if (!model.model().isMoe()) {
            splits.add(new int[]{g, 1});
            return splits;
        }
        for (int ep = 1; ep <= Math.min(g, model.model().moe().routedExperts()); ep *= 2) splits.add(new int[]{g / ep, ep});
        return splits;
    }

    /** Adds batches 1, 2, 4, … while they fit; KV grows with B, so the first misfit ends the run. */
    private void addBatches(List<Estimate> out, Strategy s, int pp, int dpa, int kvp, int tpa, int[] ffn) {
        for (int b = dpa; b <= maxBatch; b *= 2) {
            Estimate e = model.estimate(new Layout(s, pp, dpa, kvp, tpa, ffn[0], ffn[1], b));
            if (!e.fits()) break;
            out.add(e);
        }
    }
}
