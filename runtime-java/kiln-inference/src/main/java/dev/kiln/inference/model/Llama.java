package dev.kiln.inference.model;

import dev.kiln.attention.DecodeShape;
import dev.kiln.attention.helix.HelixMapping;
import dev.kiln.inference.quant.Activations;
import dev.kiln.inference.quant.QuantizedGemv;
import dev.kiln.inference.tensor.Checkpoint;
import dev.kiln.inference.tensor.Dequantize;
import dev.kiln.inference.tensor.Tensor;
import dev.kiln.inference.tensor.TensorType;

import java.lang.foreign.Arena;

/**
 * A Llama-family decoder: RMSNorm, RoPE (GGUF's adjacent pairs or Hugging Face's halves, with GGUF's optional
 * per-frequency factors {@code rope_freqs.weight}), grouped-query attention on Kiln's split-KV decode kernel over
 * a paged KV cache, a SwiGLU FFN, and an output head of its own or tied to the token embedding. Weights are read
 * where they lie in the checkpoint's mapping, in any of its tensor types, by Kiln's GEMV kernels. On Helix ranks
 * each rank holds the W_Q/W_K/W_V rows of its TPA heads, the W_O columns of the heads it holds after the all-to-all
 * and 1/N of the FFN (rows of W_gate and W_up, columns of W_down), each finished by the all-reduce.
 * Q8_0 and Q4_0 weights take their activations as {@link Activations} says (default {@link Activations#INT8}, as
 * llama.cpp does). Tensor names: GGUF's ({@code blk.N.attn_q.weight}) or Hugging Face's ({@code model.layers.N.self_attn.q_proj.weight}).
 */
public final class Llama implements CausalLm {
    private final LlamaConfig c;
    private final KvAttention attention;
    private final Tensor embedding;
    private final Linear head;
    private final float[] outputNorm;
    private final Layer[] layers;
    private final Shard[][] shards;   // [rank][layer], null for ranks held by other processes
    private final Arena shardMemory = Arena.ofShared();
    private final double[] frequencies;
    private final int capacity;
    private final Activations activations;
    private int position;

    private record Layer(float[] attnNorm, Linear q, Linear k, Linear v, Linear o, float[] ffnNorm, Linear gate, Linear up, Linear down) {}

    /** One rank's slices of a layer. */
    private record Shard(Linear q, Linear k, Linear v, Linear o, Linear gate, Linear up, Linear down) {}

    public Llama(Checkpoint ckpt, LlamaConfig c, AttentionFactory attention) {
        this(ckpt, c, attention, c.context());
    }

    /** @param capacity positions the KV cache holds (at most the model's context) */
    public Llama(Checkpoint ckpt, LlamaConfig c, AttentionFactory attention, int capacity) {
        this(ckpt, c, attention, capacity, Activations.INT8);
    }

    /**
     * @param capacity    positions the KV cache holds (at most the model's context)
     * @param activations how Q8_0 and Q4_0 weights take their activations
     */
    public Llama(Checkpoint ckpt, LlamaConfig c, AttentionFactory attention, int capacity, Activations activations) {
        if (activations == null) throw new IllegalArgumentException("activations is null; allowed: INT8, FP32");
        this.activations = activations;
        if (capacity < 1 || capacity > c.context()) throw new IllegalArgumentException("capacity = " + capacity + "; must be in [1, context " + c.context() + "]");
        this.c = c;
        this.capacity = capacity;
        int d = c.dim(), hd = c.headDim(), qd = c.heads() * hd, kd = c.kvHeads() * hd;
        Names n = c.gguf() ? GGUF : HF;
        this.embedding = ckpt.tensor(n.embed).requireShape(c.vocab(), d);
        this.outputNorm = ckpt.tensor(n.outputNorm).requireShape(d).toFloats();
        this.head = new Linear(ckpt.hasTensor(n.output) ? ckpt.tensor(n.output).requireShape(c.vocab(), d) : embedding, null, activations);
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
        HelixMapping m = this.attention.mapping();
        this.shards = new Shard[m.size()][c.layers()];
        for (int r = 0; r < m.size(); r++) {
            if (!this.attention.holdsRank(r)) continue;   // a rank in another process: its shards are built there
            for (int l = 0; l < c.layers(); l++) shards[r][l] = shard(layers[l], m, r);
        }
    }

    /** Rank r's slices: rows of W_Q/W_K/W_V for its TPA heads, W_O columns of its merged heads, 1/N of the FFN. */
    private Shard shard(Layer w, HelixMapping m, int r) {
        int hd = c.headDim(), f0 = m.ffnFirst(r, c.ffn()), fn = m.ffnCount(r, c.ffn());
        return new Shard(rows(w.q, m.firstQHead(r) * hd, m.qHeadsPerRank() * hd), rows(w.k, m.firstKvHead(r) * hd, m.kvHeadsPerRank() * hd),
                rows(w.v, m.firstKvHead(r) * hd, m.kvHeadsPerRank() * hd),
                w.o.with(WeightSlices.columns(w.o.weight(), m.firstMergedHead(r) * hd, m.mergedHeadCount(r) * hd, shardMemory), null),
                rows(w.gate, f0, fn), rows(w.up, f0, fn), w.down.with(WeightSlices.columns(w.down.weight(), f0, fn, shardMemory), null));
    }

    private static Linear rows(Linear w, int from, int count) { return w.with(WeightSlices.rows(w.weight(), from, count), null); }

    private Linear linear(Checkpoint ckpt, String name, int out, int in) {
        return new Linear(ckpt.tensor(name).requireShape(out, in), null, activations);
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
        int pos = position;
        float[] result = attention.acrossRanks(x, layers.length, (r, l, xr) -> layer(r, l, xr, pos));
        position++;
        return head.apply(Norms.rmsNorm(result, outputNorm, c.rmsEps()));
    }

    /** Layer l on rank r: its heads' attention and its FFN slice, each finished by the all-reduce. */
    private void layer(int r, int l, float[] x, int pos) {
        Layer w = layers[l];
        Shard s = shards[r][l];
        float[] xn = Norms.rmsNorm(x, w.attnNorm, c.rmsEps());
        float[][] qkv = Linear.applyAll(xn, s.q, s.k, s.v);   // one parallel region: they read the same xn
        float[] q = qkv[0], k = qkv[1], v = qkv[2];
        rope(q, q.length / c.headDim(), pos);
        rope(k, k.length / c.headDim(), pos);
        float[] att = new float[s.o.in()];
        attention.attend(r, l, q, k, v, pos, att);
        float[] y = s.o.apply(att);
        attention.allReduceSum(r, y);
        Norms.residual(x, y);
        xn = Norms.rmsNorm(x, w.ffnNorm, c.rmsEps());
        float[][] gateUp = Linear.applyAll(xn, s.gate, s.up);
        float[] g = gateUp[0];
        Norms.swiglu(g, gateUp[1]);
        y = s.down.apply(g);
        attention.allReduceSum(r, y);
        Norms.residual(x, y);
    }

    private void rope(float[] x, int heads, int position) {
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
        TensorType type = layers[0].q.weight().type();
        String acts = type.quantized() ? ", " + QuantizedGemv.describeActivations(activations, type) : "";
        return String.format("llama (vocab %d, dim %d, %d layers, %d/%d heads, ffn %d, %s weights%s), attention on %s",
                c.vocab(), c.dim(), c.layers(), c.heads(), c.kvHeads(), c.ffn(), type, acts, attention.describe());
    }

    @Override
    public long weightBytesPerToken() {
        long sum = head.weight().data().byteSize();
        for (Layer w : layers) {
            for (Linear lin : new Linear[]{w.q, w.k, w.v, w.o, w.gate, w.up, w.down}) sum += lin.weight().data().byteSize();
        }
        return sum;
    }

    @Override
    public void close() {
        attention.close();
        shardMemory.close();
    }
}
