package dev.kiln.inference.model;

import dev.kiln.attention.DecodeShape;
import dev.kiln.inference.tensor.Checkpoint;
import dev.kiln.inference.tensor.Tensor;

/**
 * Decoding with Kiln's char-GPT ({@link CharGptFormat}): per block {@code x += proj(attn(ln1(x)))},
 * {@code x += down(gelu(up(ln2(x))))}, then {@code logits = wte · ln(x)}. Every matrix runs on Kiln's GEMV and
 * the attention on its split-KV decode kernel over a paged KV cache ({@link KvAttention}). The model knows
 * {@code context} positions; {@link #step} past them is refused (the {@link Generator} shifts the window).
 */
public final class CharGpt implements CausalLm {
    private final CharGptFormat.Config c;
    private final KvAttention attention;
    private final Tensor wte;
    private final float[] wpe, lnfG, lnfB;
    private final Linear head;
    private final Block[] blocks;
    private int position;

    private record Block(float[] ln1G, float[] ln1B, Linear qkv, Linear proj, float[] ln2G, float[] ln2B, Linear up, Linear down) {}

    /** The model of {@code ckpt} (which must stay open), attending through what {@code attention} builds. */
    public CharGpt(Checkpoint ckpt, AttentionFactory attention) {
        this.c = CharGptFormat.config(ckpt.metadata());
        for (CharGptFormat.Spec s : CharGptFormat.tensors(c)) ckpt.tensor(s.name()).requireShape(s.shape());
        this.wte = ckpt.tensor("wte");
        this.wpe = ckpt.tensor("wpe").toFloats();
        this.lnfG = ckpt.tensor("lnf.g").toFloats();
        this.lnfB = ckpt.tensor("lnf.b").toFloats();
        this.head = new Linear(wte, null);
        this.blocks = new Block[c.layers()];
        for (int l = 0; l < c.layers(); l++) {
            String p = "h" + l + ".";
            blocks[l] = new Block(floats(ckpt, p + "ln1.g"), floats(ckpt, p + "ln1.b"),
                    new Linear(ckpt.tensor(p + "attn.wqkv"), floats(ckpt, p + "attn.bqkv")),
                    new Linear(ckpt.tensor(p + "attn.wproj"), floats(ckpt, p + "attn.bproj")),
                    floats(ckpt, p + "ln2.g"), floats(ckpt, p + "ln2.b"),
                    new Linear(ckpt.tensor(p + "mlp.wup"), floats(ckpt, p + "mlp.bup")),
                    new Linear(ckpt.tensor(p + "mlp.wdown"), floats(ckpt, p + "mlp.bdown")));
        }
        DecodeShape shape = new DecodeShape(c.heads(), c.heads(), c.headDim(), c.headDim(), false);
        this.attention = attention.create(c.layers(), shape, c.context(), (float) (1.0 / Math.sqrt(c.headDim())));
    }

    private static float[] floats(Checkpoint ckpt, String name) { return ckpt.tensor(name).toFloats(); }

    public CharGptFormat.Config config() { return c; }

    @Override public int vocabSize() { return c.vocab().length(); }

    @Override public int contextLength() { return c.context(); }

    @Override public int position() { return position; }

    @Override
    public float[] step(int token) {
        int d = c.dim();
        if (token < 0 || token >= vocabSize()) throw new IllegalArgumentException("token " + token + " is outside [0, " + vocabSize() + ")");
        if (position >= c.context()) throw new IllegalStateException("position " + position + " is past the model's context of " + c.context());
        float[] x = new float[d];
        dev.kiln.inference.tensor.Dequantize.range(wte, (long) token * d, d, x, 0);
        for (int i = 0; i < d; i++) x[i] += wpe[position * d + i];
        float[] q = new float[d], k = new float[d], v = new float[d], att = new float[d];
        for (int l = 0; l < blocks.length; l++) {
            Block b = blocks[l];
            float[] qkv = b.qkv.apply(Norms.layerNorm(x, b.ln1G, b.ln1B));
            System.arraycopy(qkv, 0, q, 0, d);
            System.arraycopy(qkv, d, k, 0, d);
            System.arraycopy(qkv, 2 * d, v, 0, d);
            attention.attend(l, q, k, v, position, att);
            Norms.residual(x, b.proj.apply(att));
            float[] up = b.up.apply(Norms.layerNorm(x, b.ln2G, b.ln2B));
            Norms.geluTanh(up);
            Norms.residual(x, b.down.apply(up));
        }
        position++;
        return head.apply(Norms.layerNorm(x, lnfG, lnfB));
    }

    @Override
    public void reset() {
        attention.reset();
        position = 0;
    }

    @Override
    public String describe() {
        return String.format("char-gpt (vocab %d, context %d, dim %d, %d layers, %d heads), attention on %s",
                vocabSize(), c.context(), c.dim(), c.layers(), c.heads(), attention.describe());
    }

    @Override
    public long weightBytesPerToken() {
        long sum = wte.data().byteSize();
        for (Block b : blocks) sum += b.qkv.weight().data().byteSize() + b.proj.weight().data().byteSize() + b.up.weight().data().byteSize() + b.down.weight().data().byteSize();
        return sum;
    }

    @Override public void close() { attention.close(); }
}
