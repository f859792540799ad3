package dev.kiln.collective.lossy;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.BitSet;

/**
 * What a rank writes into a parameter range whose broadcast packet was lost: not the stale value, but the value
 * predicted from the range's last observed per-step change {@code d}, decayed by {@code β} per step:
 * <pre>
 *   x̂_{s+g} = x_s + d (β + β² + … + β^g) = x_s + d β (1 − β^g) / (1 − β)      (g steps since the last arrival at s)
 * </pre>
 * Why: an owner's optimiser moves a parameter by a momentum-smoothed step (Adam's or heavy-ball's first moment,
 * coefficient β1 = 0.9), so consecutive updates are strongly correlated and {@code β d} is the conditional
 * expectation of the next one when the fresh gradient is noise. Stale retention ({@code β = 0}) is the paper's
 * choice; it leaves the replica a whole step behind on that range, and the gradient it then computes is a delayed
 * gradient there. The prediction stays bounded however many packets in a row are lost (at most
 * {@code β / (1 − β)} times the last step: 9 steps at β = 0.9), and the first packet that arrives replaces it with
 * the owner's value, so the drift bound of stale retention still holds.
 *
 * <p>{@code d} is measured only between arrivals, {@code d = (x_t − x_s) / (t − s)}, so a prediction never feeds
 * the next estimate. State is one float pair per element and one step per packet; it starts at the first call.
 */
final class MomentumRetention {
    private final double beta;
    private float[] lastArrived;   // the value each element had when its packet last arrived
    private float[] perStep;       // d: the element's per-step change between its last two arrivals
    private int[][] lastStep;      // [peer][packet]: the step of that arrival
    private long length = -1;

    MomentumRetention(double beta) {
        if (!(beta > 0 && beta < 1)) throw new IllegalArgumentException("beta = " + beta + "; must be in (0, 1)");
        this.beta = beta;
    }

    /** Before the exchange: on the first call (or a new vector length) the current values count as arrived at {@code step − 1}. */
    void beforeExchange(int step, MemorySegment params, ShardLayout layout, int perPacket) {
        long n = params.byteSize() / Float.BYTES;
        if (n == length) return;
        length = n;
        lastArrived = params.toArray(ValueLayout.JAVA_FLOAT);
        perStep = new float[lastArrived.length];
        lastStep = new int[layout.size()][];
        for (int p = 0; p < layout.size(); p++) {
            lastStep[p] = new int[layout.packets(p, perPacket)];
            Arrays.fill(lastStep[p], step - 1);
        }
    }

    /** After the exchange: learn from the packets that arrived, predict the ones that did not. */
    void afterExchange(int step, MemorySegment params, BitSet[] arrived, ShardLayout layout, int rank, int perPacket) {
        for (int p = 0; p < layout.size(); p++) {
            if (p == rank) continue;
            int start = (int) layout.start(p), len = layout.length(p);
            for (int k = 0; k * perPacket < len; k++) {
                int from = start + k * perPacket, to = start + Math.min(len, (k + 1) * perPacket);
                int gap = step - lastStep[p][k];
                if (arrived[p].get(k)) {
                    for (int i = from; i < to; i++) {
                        float x = params.getAtIndex(ValueLayout.JAVA_FLOAT, i);
                        perStep[i] = (x - lastArrived[i]) / gap;
                        lastArrived[i] = x;
                    }
                    lastStep[p][k] = step;
                } else {
                    float ahead = (float) (beta * (1 - Math.pow(beta, gap)) / (1 - beta));
                    for (int i = from; i < to; i++) params.setAtIndex(ValueLayout.JAVA_FLOAT, i, lastArrived[i] + ahead * perStep[i]);
                }
            }
        }
    }
}
