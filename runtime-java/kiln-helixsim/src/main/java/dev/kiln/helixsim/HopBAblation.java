package dev.kiln.helixsim;

import java.util.List;

/**
 * What turning HOP-B off costs: each layout on the HOP-B-on Helix frontier is re-simulated in lock-step,
 * and the loss of tokens/s/user is 1 − TTL_on / TTL_off. Reports the largest loss and where it occurs.
 */
public record HopBAblation(double maxLoss, Estimate on, Estimate off) {

    public static HopBAblation of(ModelSpec model, HardwareSpec hw, SimSettings settings, List<Estimate> helixWithHopB) {
        CostModel lockStep = new CostModel(model, hw, settings.withHopB(false));
        HopBAblation worst = new HopBAblation(0, null, null);
        for (Estimate on : Frontier.throughput(helixWithHopB).points()) {
            Estimate off = lockStep.estimate(on.layout());
            double loss = 1 - on.ttlSeconds() / off.ttlSeconds();
            if (worst.on == null || loss > worst.maxLoss) worst = new HopBAblation(loss, on, off);
        }
        return worst;
    }
}
