package dev.kiln.train;

/**
 * SGD with heavy-ball momentum over one shard {@code [from, to)}: {@code b = μ b + g; w = w·(1 − lr·wd) − lr·b}
 * (PyTorch's {@code SGD(momentum=μ)} with decoupled decay where the mask says so). Unlike {@link AdamW}, the step
 * is proportional to the gradient: a gradient shrunk by a factor (zero-fill under loss) is a learning-rate cut of
 * that factor, not something a per-coordinate normaliser divides away.
 */
public final class SgdMomentum implements Optimizer {
    /** @param momentum μ in [0, 1); @param weightDecay decoupled, per unit of learning rate */
    public record Hyper(double momentum, double weightDecay) {
        public Hyper {
            if (!(momentum >= 0 && momentum < 1)) throw new IllegalArgumentException("momentum = " + momentum + "; must be in [0, 1)");
            if (!(weightDecay >= 0)) throw new IllegalArgumentException("weightDecay = " + weightDecay + "; must be >= 0");
        }
    }

    private final int from, to;
    private final boolean[] decay;
    private final Hyper hyper;
    private final float[] buffer;

    public SgdMomentum(int from, int to, boolean[] decayMask, Hyper hyper) {
        Optimizer.checkShard(from, to, decayMask.length);
        this.from = from;
        this.to = to;
        this.decay = decayMask;
        this.hyper = hyper;
        this.buffer = new float[to - from];
    }

    @Override
    public void step(float[] params, float[] shardGrad, double lr) {
        float mu = (float) hyper.momentum(), flr = (float) lr, keep = (float) (1 - lr * hyper.weightDecay());
        for (int i = 0; i < to - from; i++) {
            buffer[i] = mu * buffer[i] + shardGrad[i];
            int p = from + i;
            float w = decay[p] ? params[p] * keep : params[p];
            params[p] = w - flr * buffer[i];
        }
    }
}
