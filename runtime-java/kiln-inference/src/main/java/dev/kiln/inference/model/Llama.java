package dev.kiln.inference.model;

import dev.kiln.attention.DecodeShape;
import dev.kiln.inference.tensor.Checkpoint;
import dev.kiln.inference.tensor.Dequantize;
import dev.kiln.inference.tensor.Tensor;

/**
 * A Llama-family decoder: RMSNorm, RoPE (GGUF's adjacent pairs or Hugging Face's halves, with GGUF's optional
 * per-frequency factors {@code rope_freqs.weight}), grouped-query attention on Kiln's split-KV decode kernel over
 * a paged KV cache, a SwiGLU FFN, and an output head of its own or tied to the token embedding. Weights are read
 * where they lie in the checkpoint's mapping, in any of its tensor types, by Kiln's GEMV kernels.
 * Tensor names: GGUF's ({@code blk.N.attn_q.weight}) or Hugging Face's ({@code model.layers.N.self_attn.q_proj.weight}).
 */
public final class Llama implements CausalLm {
    private final LlamaConfig c;
    private final KvAttention attention;
    private final Tensor embedding;
    private final Linear head;
    private final float[] outputNorm;
    private final Layer[] layers;
    private final double[] frequencies;
    private final int capacity;
    private int position;

    private record Layer(float[] attnNorm, Linear q, Linear k, Linear v, Linear o, float[] ffnNorm, Linear gate, Linear up, Linear down) {}

    public Llama(Checkpoint ckpt, LlamaConfig c, AttentionFactory attention) {
        this(ckpt, c, attention, c.context());
    }

    /** @param capacity positions the KV cache holds (at most the model's context) */
    public Llama(Checkpoint ckpt, LlamaConfig c, AttentionFactory attention, int capacity) {
        if (capacity < 1 || capacity > c.context()) throw new IllegalArgumentException("capacity = " + capacity + "; must be in [1, context " + c.context() + "]");
        this.c = c;
        this.capacity = capacity;
        int d = c.dim(), hd = c.headDim(), qd = c.heads() * hd, kd = c.kvHeads() * hd;
        Names n = c.gguf() ? GGUF : HF;
        this.embedding = ckpt.tensor(n.embed).requireShape(c.vocab(), d);
        this.outputNorm = ckpt.tensor(n.outputNorm).requireShape(d).toFloats();
        this.head = new Linear(ckpt.hasTensor(n.output) ? ckpt.tensor(n.output).requireShape(c.vocab(), d) : embedding, null);
        this.layers = new Layer[c.layers()];
        for (int l = 0; l < c.layers(); l++) {
            layers[l] = new Layer(ckpt.tensor(n.layer(l, n.attnNorm)).requireShape(d).toFloats(),
                    linear(ckpt, n.layer(l, n.q), qd, d), linear(ckpt, n.layer(l, n.k), kd, d), linear(ckpt, n.layer(l, n.v), kd, d),
                    linear(ckpt, n.layer(l, n.o), d, qd), ckpt.tensor(n.layer(l, n.ffnNorm)).requireShape(d).toFloats(),
                    linear(ckpt, n.layer(l, n.gate), c.ffn(), d), linear(ckpt, n.layer(l, n.up), c.ffn(), d),
                    linear(ckpt, n.layer(l, n.down), d, c.ffn()));
        }
        this.frequencies = new double[c.ropeDims() / 2];
        float[] factors = c.gguf() && ckpt.hasTensor("rope_freqs.weight") ? ckpt.tensor("rope_freqs.weight").requireShape(c.ropeDims() / 2).toFloats() : null;
        for (int i = 0; i < frequencies.length; i++) {
            frequencies[i] = Math.pow(c.ropeTheta(), -2.0 * i / c.ropeDims()) / (factors == null ? 1 : factors[i]);
        }
        DecodeShape shape = new DecodeShape(c.heads(), c.kvHeads(), hd, hd, false);
        this.attention = attention.create(c.layers(), shape, capacity, (float) (1.0 / Math.sqrt(hd)));
    }

    private static Linear linear(Checkpoint ckpt, String name, int out, int in) {
        return new Linear(ckpt.tensor(name).requireShape(out, in), null);
    }

    /** Tensor names of one checkpoint convention; {@code layer(l, suffix)} names layer l's tensor. */
    private record Names(String embed, String output, String outputNorm, String prefix, String attnNorm, String q, String k, String v,
                         String o, String ffnNorm, String gate, String up, String down) {
        String layer(int l, String suffix) { return prefix + l + "." + suffix; }
    }

    private static final Names GGUF = new Names("token_embd.weight", "output.weight", "output_norm.weight", "blk.",
            "attn_norm.weight", "attn_q.weight", "attn_k.weight", "attn_v.weight", "attn_output.weight", "ffn_norm.weight",
            "ffn_gate.weight", "ffn_up.weight", "ffn_down.weight");
    private static final Names HF = new Names("model.embed_tokens.weight", "lm_head.weight", "model.norm.weight", "model.layers.",
            "input_layernorm.weight", "self_attn.q_proj.weight", "self_attn.k_proj.weight", "self_attn.v_proj.weight",
            "self_attn.o_proj.weight", "post_attention_layernorm.weight", "mlp.gate_proj.weight", "mlp.up_proj.weight", "mlp.down_proj.weight");

    public LlamaConfig config() { return c; }

    @Override public int vocabSize() { return c.vocab(); }

    @Override public int contextLength() { return capacity; }

    @Override public int position() { return position; }

    @Override
    public float[] step(int token) {
        if (token < 0 || token >= c.vocab()) throw new IllegalArgumentException("token " + token + " is outside [0, " + c.vocab() + ")");
        if (position >= capacity) throw new IllegalStateException("position " + position + " is past the KV cache's " + capacity + " positions");
        int d = c.dim();
        float[] x = new float[d];
        Dequantize.range(embedding, (long) token * d, d, x, 0);
        float[] att = new float[c.heads() * c.headDim()];
        for (int l = 0; l < layers.length; l++) {
            Layer w = layers[l];
            float[] xn = Norms.rmsNorm(x, w.attnNorm, c.rmsEps());
            float[][] qkv = Linear.applyAll(xn, w.q, w.k, w.v);
            float[] q = qkv[0], k = qkv[1], v = qkv[2];
            rope(q, c.heads());
            rope(k, c.kvHeads());
            attention.attend(l, q, k, v, position, att);
            Norms.residual(x, w.o.apply(att));
            xn = Norms.rmsNorm(x, w.ffnNorm, c.rmsEps());
            float[][] gateUp = Linear.applyAll(xn, w.gate, w.up);
            float[] g = gateUp[0];
            Norms.swiglu(g, gateUp[1]);
            Norms.residual(x, w.down.apply(g));
        }
        position++;
        return head.apply(Norms.rmsNorm(x, outputNorm, c.rmsEps()));
    }

    private void rope(float[] x, int heads) {
        int hd = c.headDim(), half = c.ropeDims() / 2;
        for (int i = 0; i < half; i++) {
            double angle = position * frequencies[i];
            float cos = (float) Math.cos(angle), sin = (float) Math.sin(angle);
            for (int h = 0; h < heads; h++) {
                int a = h * hd + (c.ropeInterleaved() ? 2 * i : i), b = h * hd + (c.ropeInterleaved() ? 2 * i + 1 : i + half);
                float x0 = x[a], x1 = x[b];
                x[a] = x0 * cos - x1 * sin;
                x[b] = x0 * sin + x1 * cos;
            }
        }
    }

    @Override
    public void reset() {
        attention.reset();
        position = 0;
    }

    @Override
    public String describe() {
        return String.format("llama (vocab %d, dim %d, %d layers, %d/%d heads, ffn %d, %s weights), attention on %s",
                c.vocab(), c.dim(), c.layers(), c.heads(), c.kvHeads(), c.ffn(), layers[0].q.weight().type(), attention.describe());
    }

    @Override
    public long weightBytesPerToken() {
        long sum = head.weight().data().byteSize();
        for (Layer w : layers) {
            for (Linear lin : new Linear[]{w.q, w.k, w.v, w.o, w.gate, w.up, w.down}) sum += lin.weight().data().byteSize();
        }
        return sum;
    }

    @Override public void close() { attention.close(); }
}
