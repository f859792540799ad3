package dev.kiln.train;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Where each tensor of a {@link GptConfig} lives in the one flat parameter vector (and, at the same offsets,
 * in the flat gradient vector). One flat vector makes sharding for the collectives a matter of index ranges.
 * Matrices are row-major {@code [in, out]}, so a linear layer computes {@code y = x W + b}.
 */
public final class ParameterLayout {
    /** One named tensor: {@code rows * cols} floats from {@code offset}; {@code decay} says whether AdamW decays it. */
    public record Tensor(String name, int offset, int rows, int cols, boolean decay) {
        public int size() { return rows * cols; }
    }

    /** Offsets of one transformer block's tensors. */
    public record Block(int ln1Gain, int ln1Bias, int wQkv, int bQkv, int wProj, int bProj,
                        int ln2Gain, int ln2Bias, int wUp, int bUp, int wDown, int bDown) {}

    private final GptConfig config;
    private final List<Tensor> tensors = new ArrayList<>();
    private final List<Block> blocks = new ArrayList<>();
    private final int tokenEmbedding, positionEmbedding, lnfGain, lnfBias, size;
    private int next;

    public ParameterLayout(GptConfig c) {
        this.config = c;
        int d = c.dim(), h = c.hidden();
        tokenEmbedding = add("wte", c.vocab(), d, true);
        positionEmbedding = add("wpe", c.context(), d, true);
        for (int l = 0; l < c.layers(); l++) {
            String p = "h" + l + ".";
            blocks.add(new Block(
                    add(p + "ln1.g", 1, d, false), add(p + "ln1.b", 1, d, false),
                    add(p + "attn.wqkv", d, 3 * d, true), add(p + "attn.bqkv", 1, 3 * d, false),
                    add(p + "attn.wproj", d, d, true), add(p + "attn.bproj", 1, d, false),
                    add(p + "ln2.g", 1, d, false), add(p + "ln2.b", 1, d, false),
                    add(p + "mlp.wup", d, h, true), add(p + "mlp.bup", 1, h, false),
                    add(p + "mlp.wdown", h, d, true), add(p + "mlp.bdown", 1, d, false)));
        }
        lnfGain = add("lnf.g", 1, d, false);
        lnfBias = add("lnf.b", 1, d, false);
        size = next;
    }

    private int add(String name, int rows, int cols, boolean decay) {
        tensors.add(new Tensor(name, next, rows, cols, decay));
        int at = next;
        next += rows * cols;
        return at;
    }

    public GptConfig config() { return config; }

    public int size() { return size; }

    public List<Tensor> tensors() { return Collections.unmodifiableList(tensors); }

    public Block block(int layer) { return blocks.get(layer); }

    public int tokenEmbedding() { return tokenEmbedding; }

    public int positionEmbedding() { return positionEmbedding; }

    public int lnfGain() { return lnfGain; }

    public int lnfBias() { return lnfBias; }

    /** Per-element weight-decay mask over {@code [0, paddedSize)}: decay matrices and embeddings, not gains or biases. */
    public boolean[] decayMask(int paddedSize) {
        if (paddedSize < size) throw new IllegalArgumentException("paddedSize = " + paddedSize + " < parameter count " + size);
        boolean[] mask = new boolean[paddedSize];
        for (Tensor t : tensors) {
            if (t.decay()) java.util.Arrays.fill(mask, t.offset(), t.offset() + t.size(), true);
        }
        return mask;
    }

    /**
     * GPT-2 style initialisation: N(0, 0.02) weights, residual projections scaled by {@code 1/sqrt(2 layers)},
     * unit gains, zero biases. Deterministic in {@code seed}; the padding beyond {@link #size()} stays 0.
     */
    public void initialise(float[] params, long seed) {
        java.util.SplittableRandom rnd = new java.util.SplittableRandom(seed);
        double residualScale = 1.0 / Math.sqrt(2.0 * config.layers());
        for (Tensor t : tensors) {
            String n = t.name();
            if (n.endsWith(".g")) {
                java.util.Arrays.fill(params, t.offset(), t.offset() + t.size(), 1f);
            } else if (t.decay()) {
                double std = 0.02 * (n.endsWith("wproj") || n.endsWith("wdown") ? residualScale : 1.0);
                for (int i = 0; i < t.size(); i++) params[t.offset() + i] = (float) (std * gaussian(rnd));
            } else {
                java.util.Arrays.fill(params, t.offset(), t.offset() + t.size(), 0f);
            }
        }
    }

    private static double gaussian(java.util.SplittableRandom rnd) {
        // Box-Muller: SplittableRandom has no nextGaussian before Java 17's RandomGenerator default; this is explicit.
        double u = 1.0 - rnd.nextDouble(), v = rnd.nextDouble();
        return Math.sqrt(-2.0 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    }
}
