package dev.kiln.helixsim;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * One full simulator run: sweep Helix and the baselines, build both Pareto frontiers, compare them, and
 * re-run Helix with HOP-B flipped for the ablation.
 *
 * @param helix          Helix layouts that fit, with {@code settings.hopB()} as given
 * @param baselines      baseline layouts that fit
 * @param helixFrontier  best Helix tokens/s/GPU per TTL budget
 * @param baselineFrontier best baseline tokens/s/GPU per TTL budget
 * @param helixLockStepFrontier the Helix frontier with HOP-B off
 * @param headline       the ratios of Helix to the best baseline
 * @param hopB           the cost of turning HOP-B off (measured on the HOP-B-on frontier)
 */
public record Simulation(ModelSpec model, HardwareSpec hardware, SimSettings settings,
                         List<Estimate> helix, List<Estimate> baselines,
                         Frontier helixFrontier, Frontier baselineFrontier, Frontier helixLockStepFrontier,
                         Headline headline, HopBAblation hopB) {

    public static Simulation run(ModelSpec model, HardwareSpec hw, SimSettings settings, int maxGpus, int maxBatch) {
        Sweep sweep = new Sweep(new CostModel(model, hw, settings), maxGpus, maxBatch);
        List<Estimate> helix = sweep.helix();
        List<Estimate> baselines = sweep.baselines();
        SimSettings on = settings.withHopB(true);
        List<Estimate> helixOn = settings.hopB() ? helix : new Sweep(new CostModel(model, hw, on), maxGpus, maxBatch).helix();
        List<Estimate> helixOff = new Sweep(new CostModel(model, hw, settings.withHopB(false)), maxGpus, maxBatch).helix();
        return new Simulation(model, hw, settings, helix, baselines,
                Frontier.throughput(helix), Frontier.throughput(baselines), Frontier.throughput(helixOff),
                Headline.compare(helix, baselines), HopBAblation.of(model, hw, on, helixOn));
    }

    /** Helix against each baseline family on its own (which family sets which headline ratio). */
    public Map<Strategy, Headline> byFamily() {
        Map<Strategy, Headline> out = new EnumMap<>(Strategy.class);
        for (Strategy s : Strategy.values()) {
            if (!s.isBaseline()) continue;
            List<Estimate> family = baselines.stream().filter(e -> e.layout().strategy() == s).toList();
            if (!family.isEmpty()) out.put(s, Headline.compare(helix, family));
        }
        return out;
    }
}
