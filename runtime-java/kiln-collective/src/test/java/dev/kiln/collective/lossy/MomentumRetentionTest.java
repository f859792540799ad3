package dev.kiln.collective.lossy;

import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.util.BitSet;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The retention against an fp64 model of one receiver: three owners move their shards along random per-element
 * steps that change slowly; packets are lost at random. Arrived ranges must hold the owner's value exactly, lost
 * ranges the closed-form prediction from the last two arrivals.
 */
class MomentumRetentionTest {
    private static final int RANKS = 4, RANK = 2, PER_PACKET = 5, N = 4 * 23;

    @Test
    void arrived_ranges_are_exact_and_lost_ranges_follow_the_decayed_last_step() {
        SplittableRandom rnd = new SplittableRandom(11);
        double beta = 0.9;
        ShardLayout layout = new ShardLayout(N, RANKS);
        float[] owner = new float[N], replica = new float[N], step = new float[N];
        for (int i = 0; i < N; i++) {
            owner[i] = (float) rnd.nextGaussian();
            step[i] = (float) (0.1 * rnd.nextGaussian());
        }
        System.arraycopy(owner, 0, replica, 0, N);
        // The reference: per element, the value and step of its last arrival and the one before.
        double[] lastValue = new double[N], lastDelta = new double[N];
        int[] lastStep = new int[N];
        for (int i = 0; i < N; i++) {
            lastValue[i] = owner[i];
            lastStep[i] = -1;
        }
        MomentumRetention retention = new MomentumRetention(beta);
        MemorySegment seg = MemorySegment.ofArray(replica);
        int predicted = 0;
        for (int t = 0; t < 40; t++) {
            for (int i = 0; i < N; i++) {
                step[i] += (float) (0.01 * rnd.nextGaussian());
                owner[i] += step[i];
            }
            retention.beforeExchange(t, seg, layout, PER_PACKET);
            BitSet[] arrived = new BitSet[RANKS];
            for (int p = 0; p < RANKS; p++) {
                arrived[p] = new BitSet();
                if (p == RANK) continue;
                for (int k = 0; k < layout.packets(p, PER_PACKET); k++) {
                    if (rnd.nextDouble() < 0.7) {
                        arrived[p].set(k);
                        int from = (int) layout.start(p) + k * PER_PACKET, to = Math.min(from + PER_PACKET, (int) layout.start(p + 1));
                        System.arraycopy(owner, from, replica, from, to - from);   // what the exchange writes
                    }
                }
            }
            retention.afterExchange(t, seg, arrived, layout, RANK, PER_PACKET);
            for (int p = 0; p < RANKS; p++) {
                if (p == RANK) continue;
                for (int i = (int) layout.start(p); i < layout.start(p + 1); i++) {
                    int k = (i - (int) layout.start(p)) / PER_PACKET;
                    if (arrived[p].get(k)) {
                        lastDelta[i] = (owner[i] - lastValue[i]) / (t - lastStep[i]);
                        lastValue[i] = owner[i];
                        lastStep[i] = t;
                        assertEquals(owner[i], replica[i], 0f, "arrived element " + i + " at step " + t);
                    } else {
                        double ahead = 0;
                        for (int g = 1; g <= t - lastStep[i]; g++) ahead += Math.pow(beta, g);
                        double expect = lastValue[i] + ahead * lastDelta[i];
                        assertEquals(expect, replica[i], 1e-5 * (1 + Math.abs(expect)), "lost element " + i + " at step " + t);
                        predicted++;
                    }
                }
            }
        }
        assertEquals(true, predicted > 100, "the test must exercise lost ranges: " + predicted);
    }

    @Test
    void the_prediction_is_closer_than_the_stale_value_on_a_steady_trajectory() {
        // Owners moving at constant speed: stale retention is one step behind, the β = 0.9 prediction 0.1 step.
        ShardLayout layout = new ShardLayout(N, RANKS);
        float[] replica = new float[N];
        MomentumRetention retention = new MomentumRetention(0.9);
        MemorySegment seg = MemorySegment.ofArray(replica);
        for (int t = 0; t < 3; t++) {
            retention.beforeExchange(t, seg, layout, PER_PACKET);
            BitSet[] arrived = new BitSet[RANKS];
            for (int p = 0; p < RANKS; p++) {
                arrived[p] = new BitSet();
                if (p != RANK && t < 2) arrived[p].set(0, layout.packets(p, PER_PACKET));
                if (p != RANK && t < 2) for (int i = (int) layout.start(p); i < layout.start(p + 1); i++) replica[i] = t + 1;
            }
            retention.afterExchange(t, seg, arrived, layout, RANK, PER_PACKET);
        }
        // Truth at step 2 is 3; stale would hold 2.
        assertEquals(2.9f, replica[0], 1e-6f);
        assertEquals(0f, replica[(int) layout.start(RANK)], 0f, "own shard untouched");
    }

    @Test
    void beta_outside_the_open_unit_interval_is_refused() {
        assertThrows(IllegalArgumentException.class, () -> new MomentumRetention(1.0));
        assertThrows(IllegalArgumentException.class, () -> new MomentumRetention(0.0));
        assertThrows(IllegalArgumentException.class, () -> LossyOptions.defaults().withBroadcastMomentum(1.0));
    }
}
