package dev.kiln.inference.model;

import dev.kiln.attention.DecodeShape;
import dev.kiln.attention.helix.HelixMapping;
import dev.kiln.inference.tensor.Checkpoint;
import dev.kiln.inference.tensor.Tensor;

import java.lang.foreign.Arena;
import java.util.Arrays;

/**
 * Decoding with Kiln's char-GPT ({@link CharGptFormat}): per block {@code x += proj(attn(ln1(x)))},
 * {@code x += down(gelu(up(ln2(x))))}, then {@code logits = wte · ln(x)}. Every matrix runs on Kiln's GEMV and
 * the attention on its split-KV decode kernel over a paged KV cache ({@link KvAttention}). On Helix ranks each
 * rank holds the rows of W_QKV for its TPA heads, the W_proj columns of the heads it holds after the all-to-all and
 * 1/N of the MLP (rows of W_up, columns of W_down); the output biases are added once, after the all-reduce. The
 * model knows {@code context} positions; {@link #step} past them is refused (the {@link Generator} shifts the window).
 */
public final class CharGpt implements CausalLm {
    private final CharGptFormat.Config c;
    private final KvAttention attention;
    private final Tensor wte;
    private final float[] wpe, lnfG, lnfB;
    private final Linear head;
    private final Block[] blocks;
    private final Shard[][] shards;   // [rank][layer], null for ranks held by other processes
    private final Arena shardMemory = Arena.ofShared();
    private int position;

    /** A block as the checkpoint has it; every rank keeps the norms and the biases of the all-reduced outputs. */
    private record Block(float[] ln1G, float[] ln1B, Tensor wQkv, float[] bQkv, Tensor wProj, float[] bProj,
                         float[] ln2G, float[] ln2B, Tensor wUp, float[] bUp, Tensor wDown, float[] bDown) {}

    /** One rank's slices of a block. */
    private record Shard(Linear q, Linear k, Linear v, Linear proj, Linear up, Linear down) {}

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
                    ckpt.tensor(p + "attn.wqkv"), floats(ckpt, p + "attn.bqkv"), ckpt.tensor(p + "attn.wproj"), floats(ckpt, p + "attn.bproj"),
                    floats(ckpt, p + "ln2.g"), floats(ckpt, p + "ln2.b"),
                    ckpt.tensor(p + "mlp.wup"), floats(ckpt, p + "mlp.bup"), ckpt.tensor(p + "mlp.wdown"), floats(ckpt, p + "mlp.bdown"));
        }
        DecodeShape shape = new DecodeShape(c.heads(), c.heads(), c.headDim(), c.headDim(), false);
        this.attention = attention.create(c.layers(), shape, c.context(), (float) (1.0 / Math.sqrt(c.headDim())));
        HelixMapping m = this.attention.mapping();
        this.shards = new Shard[m.size()][c.layers()];
        for (int r = 0; r < m.size(); r++) {
            if (!this.attention.holdsRank(r)) continue;   // a rank in another process: its shards are built there
            for (int l = 0; l < c.layers(); l++) shards[r][l] = shard(blocks[l], m, r);
        }
    }

    /** Rank r's slices: its TPA heads' rows of W_QKV (q, k and v each), its merged heads' columns of W_proj, 1/N of the MLP. */
    private Shard shard(Block b, HelixMapping m, int r) {
        int d = c.dim(), hs = c.headDim(), h = 4 * d;
        int q0 = m.firstQHead(r) * hs, qn = m.qHeadsPerRank() * hs, k0 = d + m.firstKvHead(r) * hs, kn = m.kvHeadsPerRank() * hs, v0 = k0 + d;
        int f0 = m.ffnFirst(r, h), fn = m.ffnCount(r, h);
        return new Shard(new Linear(WeightSlices.rows(b.wQkv, q0, qn), Arrays.copyOfRange(b.bQkv, q0, q0 + qn)),
                new Linear(WeightSlices.rows(b.wQkv, k0, kn), Arrays.copyOfRange(b.bQkv, k0, k0 + kn)),
                new Linear(WeightSlices.rows(b.wQkv, v0, kn), Arrays.copyOfRange(b.bQkv, v0, v0 + kn)),
                new Linear(WeightSlices.columns(b.wProj, m.firstMergedHead(r) * hs, m.mergedHeadCount(r) * hs, shardMemory), null),
                new Linear(WeightSlices.rows(b.wUp, f0, fn), Arrays.copyOfRange(b.bUp, f0, f0 + fn)),
                new Linear(WeightSlices.columns(b.wDown, f0, fn, shardMemory), null));
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
        int pos = position;
        float[] result = attention.acrossRanks(x, blocks.length, (r, l, xr) -> layer(r, l, xr, pos));
        position++;
        return head.apply(Norms.layerNorm(result, lnfG, lnfB));
    }

    /** Block l on rank r: its heads' attention and its MLP slice, each finished by the all-reduce. */
    private void layer(int r, int l, float[] x, int pos) {
        Block b = blocks[l];
        Shard s = shards[r][l];
        float[] xn = Norms.layerNorm(x, b.ln1G, b.ln1B);
        float[] att = new float[s.proj.in()];
        attention.attend(r, l, s.q.apply(xn), s.k.apply(xn), s.v.apply(xn), pos, att);
        float[] y = s.proj.apply(att);
        attention.allReduceSum(r, y);
        Norms.residual(y, b.bProj);
        Norms.residual(x, y);
        float[] up = s.up.apply(Norms.layerNorm(x, b.ln2G, b.ln2B));
        Norms.geluTanh(up);
        y = s.down.apply(up);
        attention.allReduceSum(r, y);
        Norms.residual(y, b.bDown);
        Norms.residual(x, y);
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
        for (Block b : blocks) sum += b.wQkv.data().byteSize() + b.wProj.data().byteSize() + b.wUp.data().byteSize() + b.wDown.data().byteSize();
        return sum;
    }

    @Override
    public void close() {
        attention.close();
        shardMemory.close();
    }
}
