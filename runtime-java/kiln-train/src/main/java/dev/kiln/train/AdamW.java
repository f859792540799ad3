package dev.kiln.train;

/**
 * AdamW (Loshchilov and Hutter) over one contiguous shard {@code [from, to)} of the flat parameter vector:
 * the shard owner keeps the moments of its shard only, as in ZeRO-1. Decoupled weight decay applies where
 * the layout's decay mask says so (matrices and embeddings, not gains and biases).
 */
public final class AdamW implements Optimizer {
    /** Optimiser hyper-parameters; {@code lr} is the peak of the schedule. */
    public record Hyper(double lr, double beta1, double beta2, double eps, double weightDecay) {
        public Hyper {
            if (!(lr > 0)) throw new IllegalArgumentException("lr = " + lr + "; must be > 0");
            if (!(beta1 >= 0 && beta1 < 1)) throw new IllegalArgumentException("beta1 = " + beta1 + "; must be in [0, 1)");
            if (!(beta2 >= 0 && beta2 < 1)) throw new IllegalArgumentException("beta2 = " + beta2 + "; must be in [0, 1)");
            if (!(eps > 0)) throw new IllegalArgumentException("eps = " + eps + "; must be > 0");
            if (!(weightDecay >= 0)) throw new IllegalArgumentException("weightDecay = " + weightDecay + "; must be >= 0");
        }
    }

    private final int from, to;
    private final boolean[] decay;
    private final Hyper hyper;
    private final float[] m, v;
    private int steps;

    public AdamW(int from, int to, boolean[] decayMask, Hyper hyper) {
        Optimizer.checkShard(from, to, decayMask.length);
        this.from = from;
        this.to = to;
        this.decay = decayMask;
        this.hyper = hyper;
        this.m = new float[to - from];
        this.v = new float[to - from];
    }

    @Override
    public void step(float[] params, float[] shardGrad, double lr) {
        steps++;
        double b1 = hyper.beta1(), b2 = hyper.beta2();
        double c1 = 1 - Math.pow(b1, steps), c2 = 1 - Math.pow(b2, steps);
        float stepSize = (float) (lr / c1), invC2 = (float) (1 / c2), eps = (float) hyper.eps();
        float keep = (float) (1 - lr * hyper.weightDecay());
        float fb1 = (float) b1, fb2 = (float) b2;
        for (int i = 0; i < to - from; i++) {
            float g = shardGrad[i];
            m[i] = fb1 * m[i] + (1 - fb1) * g;
            v[i] = fb2 * v[i] + (1 - fb2) * g * g;
            int p = from + i;
            float w = decay[p] ? params[p] * keep : params[p];
            params[p] = w - stepSize * m[i] / ((float) Math.sqrt(v[i] * invC2) + eps);
        }
    }
}
