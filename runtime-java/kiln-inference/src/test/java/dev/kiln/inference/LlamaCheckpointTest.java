package dev.kiln.inference;

import dev.kiln.device.Device;
import dev.kiln.device.Devices;
import dev.kiln.inference.model.AttentionFactory;
import dev.kiln.inference.model.Generator;
import dev.kiln.inference.model.Sampler;
import dev.kiln.inference.model.Models;
import dev.kiln.inference.quant.Activations;
import dev.kiln.inference.quant.QuantizedGemv;
import dev.kiln.inference.quant.Quantize;
import dev.kiln.inference.safetensors.SafetensorsWriter;
import dev.kiln.inference.tensor.TensorType;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A tiny Llama (GQA 4/2 heads, SwiGLU, RMSNorm, RoPE) written by this test as GGUF (Q and K rows permuted for GGUF's
 * adjacent-pair RoPE, as llama.cpp's converter does) and as Hugging Face safetensors, with every matrix in one tensor
 * type: Kiln's logits at every position against the fp64 {@link LlamaReference} on the values the encoded weights
 * stand for (decoded here independently), and GGUF against safetensors. With fp32 activations the bound is fp32
 * arithmetic's; with int8 activations (Q8_0 and Q4_0 weights, {@link Activations#INT8}) it is {@link #INT8_BOUND}.
 */
class LlamaCheckpointTest {
    static final long SEED = Long.getLong("kiln.test.seed", System.nanoTime());
    static final int VOCAB = 75, DIM = 64, LAYERS = 2, HEADS = 4, KV_HEADS = 2, FFN = 96, CONTEXT = 64;
    static final double THETA = 10000, EPS = 1e-5;
    /**
     * Int8 activations against the fp64 reference that rounds its activations the same way, as a fraction of the largest
     * logit. Not fp32's 2e-5: where fp32 and fp64 disagree in the last bits of an activation that lies near the midpoint
     * of two int8 steps, the two round it to neighbouring steps, and that step ({@code max|x| / 127} of its block) moves
     * the outputs it feeds, at that position and, through the KV cache, at every later one. Without such a disagreement
     * the logits agree to 2e-7-7e-7 of max|logit|; disagreements moved them by up to 1.9e-2 (20 seeds). (Against the
     * unrounded fp64 model the int8 rounding itself costs 3-7 % of max|logit| on this 64-wide model; QuantizedGemvTest
     * holds each GEMV to its rounding bound.)
     */
    static final double INT8_BOUND = 5e-2;

    /** The values {@code bytes} of {@code type} stand for, decoded from ggml's definitions. */
    static double[] decode(TensorType type, byte[] bytes, int n) {
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        double[] v = new double[n];
        switch (type) {
            case F32 -> { for (int i = 0; i < n; i++) v[i] = b.getFloat(); }
            case F16 -> { for (int i = 0; i < n; i++) v[i] = Float.float16ToFloat(b.getShort()); }
            case BF16 -> { for (int i = 0; i < n; i++) v[i] = Float.intBitsToFloat(b.getShort() << 16); }
            case Q8_0 -> {
                for (int blk = 0; blk < n / 32; blk++) {
                    double d = Float.float16ToFloat(b.getShort());
                    for (int j = 0; j < 32; j++) v[blk * 32 + j] = d * b.get();
                }
            }
            case Q4_0 -> {
                for (int blk = 0; blk < n / 32; blk++) {
                    double d = Float.float16ToFloat(b.getShort());
                    for (int j = 0; j < 16; j++) {
                        int p = b.get() & 0xff;
                        v[blk * 32 + j] = d * ((p & 15) - 8);
                        v[blk * 32 + 16 + j] = d * ((p >> 4) - 8);
                    }
                }
            }
        }
        return v;
    }

    /** One matrix: Hugging Face rows, encoded bytes, the fp64 values they stand for. */
    record Matrix(int rows, int cols, byte[] hfBytes, double[][] values, float[] asF32) {}

    static Matrix matrix(TensorType type, SplittableRandom r, int rows, int cols) {
        float[] w = new float[rows * cols];
        double std = 1 / Math.sqrt(cols);
        for (int i = 0; i < w.length; i++) w[i] = (float) (std * r.nextGaussian());
        byte[] bytes = Quantize.encode(type, w);
        double[] flat = decode(type, bytes, w.length);
        double[][] v = new double[rows][cols];
        float[] f = new float[w.length];
        for (int i = 0; i < w.length; i++) {
            v[i / cols][i % cols] = flat[i];
            f[i] = (float) flat[i];
        }
        return new Matrix(rows, cols, bytes, v, f);
    }

    /** GGUF's Q/K row order: within each head, HF row {@code j·hd/2 + i} becomes row {@code 2i + j}. */
    static byte[] permuteRows(byte[] hf, int rows, int rowBytes, int heads) {
        int hd = rows / heads;
        byte[] out = new byte[hf.length];
        for (int h = 0; h < heads; h++) {
            for (int i = 0; i < hd / 2; i++) {
                for (int j = 0; j < 2; j++) {
                    System.arraycopy(hf, (h * hd + j * hd / 2 + i) * rowBytes, out, (h * hd + 2 * i + j) * rowBytes, rowBytes);
                }
            }
        }
        return out;
    }

    static double[] norm(SplittableRandom r, int n) {
        double[] g = new double[n];
        for (int i = 0; i < n; i++) g[i] = (float) (1 + 0.1 * r.nextGaussian());
        return g;
    }

    static byte[] f32(double[] v) {
        ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (double x : v) b.putFloat((float) x);
        return b.array();
    }

    static float[] floats(double[] v) {
        float[] f = new float[v.length];
        for (int i = 0; i < v.length; i++) f[i] = (float) v[i];
        return f;
    }

    /** The files and the reference of one tiny Llama. */
    record TinyLlama(Path gguf, Path safetensors, LlamaReference ref, boolean tied, SplittableRandom rnd) {}

    /**
     * A byte-level BPE vocabulary of {@value #VOCAB} tokens for the GGUF: the 26 lower-case letters, space ({@code Ġ}),
     * and merges of frequent letter pairs, so that {@code kiln generate}'s whole path (tokenizer from metadata) runs.
     */
    static final List<String> TOKENS = new ArrayList<>(), MERGES = new ArrayList<>();

    static {
        for (char ch = 'a'; ch <= 'z'; ch++) TOKENS.add(String.valueOf(ch));
        TOKENS.add("\u0120");
        String[] pairs = {"t h", "h e", "e \u0120", "i n", "a n", "\u0120 t", "e r", "o n", "r e", "a t"};
        for (String pair : pairs) {
            MERGES.add(pair);
            TOKENS.add(pair.replace(" ", ""));
        }
        for (int i = TOKENS.size(); i < VOCAB; i++) TOKENS.add("<unused" + i + ">");
    }

    static TinyLlama build(TensorType type, Path dir) throws IOException {
        SplittableRandom r = new SplittableRandom(SEED ^ type.ordinal());
        boolean tied = type == TensorType.Q8_0 || type == TensorType.F16;
        LlamaReference ref = new LlamaReference(VOCAB, DIM, LAYERS, HEADS, KV_HEADS, FFN, THETA, EPS);
        GgufTestWriter g = new GgufTestWriter().string("general.architecture", "llama").u32("llama.embedding_length", DIM)
                .u32("llama.block_count", LAYERS).u32("llama.attention.head_count", HEADS).u32("llama.attention.head_count_kv", KV_HEADS)
                .u32("llama.feed_forward_length", FFN).u32("llama.context_length", CONTEXT).f32("llama.rope.freq_base", (float) THETA)
                .f32("llama.attention.layer_norm_rms_epsilon", (float) EPS)
                .string("tokenizer.ggml.model", "gpt2").strings("tokenizer.ggml.tokens", TOKENS).strings("tokenizer.ggml.merges", MERGES);
        SafetensorsWriter s = new SafetensorsWriter().metadata("general.architecture", "llama").metadata("llama.embedding_length", "" + DIM)
                .metadata("llama.block_count", "" + LAYERS).metadata("llama.attention.head_count", "" + HEADS)
                .metadata("llama.attention.head_count_kv", "" + KV_HEADS).metadata("llama.feed_forward_length", "" + FFN)
                .metadata("llama.context_length", "" + CONTEXT).metadata("llama.rope.freq_base", "" + (float) THETA)
                .metadata("llama.attention.layer_norm_rms_epsilon", "" + (float) EPS);
        // Safetensors has no block-quantized dtypes: there the quantized matrices are stored as the fp32 values they stand for.
        TensorType stType = type.quantized() ? TensorType.F32 : type;
        Map<String, Object[]> both = new LinkedHashMap<>();   // gguf name -> {hf name, matrix, permute heads}
        Matrix embed = matrix(type, r, VOCAB, DIM);
        ref.embed = embed.values;
        both.put("token_embd.weight", new Object[]{"model.embed_tokens.weight", embed, 0});
        for (int l = 0; l < LAYERS; l++) {
            String p = "blk." + l + ".", h = "model.layers." + l + ".";
            ref.attnNorm[l] = norm(r, DIM);
            ref.ffnNorm[l] = norm(r, DIM);
            g.tensor(p + "attn_norm.weight", 0, f32(ref.attnNorm[l]), DIM);
            g.tensor(p + "ffn_norm.weight", 0, f32(ref.ffnNorm[l]), DIM);
            s.f32(h + "input_layernorm.weight", new long[]{DIM}, floats(ref.attnNorm[l]), 0);
            s.f32(h + "post_attention_layernorm.weight", new long[]{DIM}, floats(ref.ffnNorm[l]), 0);
            Matrix q = matrix(type, r, DIM, DIM), k = matrix(type, r, KV_HEADS * DIM / HEADS, DIM), v = matrix(type, r, KV_HEADS * DIM / HEADS, DIM),
                    o = matrix(type, r, DIM, DIM), ga = matrix(type, r, FFN, DIM), u = matrix(type, r, FFN, DIM), d = matrix(type, r, DIM, FFN);
            ref.wq[l] = q.values;
            ref.wk[l] = k.values;
            ref.wv[l] = v.values;
            ref.wo[l] = o.values;
            ref.gate[l] = ga.values;
            ref.up[l] = u.values;
            ref.down[l] = d.values;
            both.put(p + "attn_q.weight", new Object[]{h + "self_attn.q_proj.weight", q, HEADS});
            both.put(p + "attn_k.weight", new Object[]{h + "self_attn.k_proj.weight", k, KV_HEADS});
            both.put(p + "attn_v.weight", new Object[]{h + "self_attn.v_proj.weight", v, 0});
            both.put(p + "attn_output.weight", new Object[]{h + "self_attn.o_proj.weight", o, 0});
            both.put(p + "ffn_gate.weight", new Object[]{h + "mlp.gate_proj.weight", ga, 0});
            both.put(p + "ffn_up.weight", new Object[]{h + "mlp.up_proj.weight", u, 0});
            both.put(p + "ffn_down.weight", new Object[]{h + "mlp.down_proj.weight", d, 0});
        }
        ref.outNorm = norm(r, DIM);
        g.tensor("output_norm.weight", 0, f32(ref.outNorm), DIM);
        s.f32("model.norm.weight", new long[]{DIM}, floats(ref.outNorm), 0);
        if (tied) {
            ref.output = embed.values;
        } else {
            Matrix out = matrix(type, r, VOCAB, DIM);
            ref.output = out.values;
            both.put("output.weight", new Object[]{"lm_head.weight", out, 0});
        }
        for (Map.Entry<String, Object[]> e : both.entrySet()) {
            Matrix m = (Matrix) e.getValue()[1];
            int heads = (Integer) e.getValue()[2];
            int rowBytes = (int) type.byteSize(m.cols);
            g.tensor(e.getKey(), type.ggmlId(), heads > 0 ? permuteRows(m.hfBytes, m.rows, rowBytes, heads) : m.hfBytes, m.rows, m.cols);
            if (type.quantized()) s.f32((String) e.getValue()[0], new long[]{m.rows, m.cols}, m.asF32, 0);
            else s.raw((String) e.getValue()[0], stType, new long[]{m.rows, m.cols}, m.hfBytes);
        }
        Path gguf = g.write(dir.resolve("tiny-llama-" + type + ".gguf")), st = dir.resolve("tiny-llama-" + type + ".safetensors");
        s.write(st);
        return new TinyLlama(gguf, st, ref, tied, r);
    }

    @ParameterizedTest
    @EnumSource(TensorType.class)
    void gguf_and_safetensors_logits_match_an_fp64_reference(TensorType type, @TempDir Path dir) throws IOException {
        TinyLlama f = build(type, dir);
        Path gguf = f.gguf(), st = f.safetensors();
        LlamaReference ref = f.ref();
        boolean tied = f.tied();
        SplittableRandom r = f.rnd();

        int[] tokens = new int[40];
        for (int i = 0; i < tokens.length; i++) tokens[i] = r.nextInt(VOCAB);
        double[][] want = ref.logits(tokens);
        ref.int8Activations = true;
        double[][] wantInt8 = ref.logits(tokens);
        ref.int8Activations = false;
        float[][] fromGguf = run(gguf, tokens, 1, 1, Activations.FP32), fromSt = run(st, tokens, 1, 1, Activations.FP32),
                helix = run(gguf, tokens, 4, 2, Activations.FP32), int8 = run(gguf, tokens, 1, 1, Activations.INT8);
        boolean int8InEffect = QuantizedGemv.activationsInEffect(Activations.INT8, type) == Activations.INT8;
        double worst = 0, worstInt8 = 0, rounding = 0;
        for (int t = 0; t < tokens.length; t++) {
            double scale = 0;
            for (double x : want[t]) scale = Math.max(scale, Math.abs(x));
            for (int j = 0; j < VOCAB; j++) {
                double err = Math.max(Math.abs(fromGguf[t][j] - want[t][j]), Math.abs(fromSt[t][j] - want[t][j]));
                worst = Math.max(worst, err / scale);
                // fp32 through 2 layers of width <= 96 against fp64 on the same weight values
                assertTrue(err <= 2e-5 * scale, "seed " + SEED + ", " + type + ", position " + t + ", logit " + j + ": kiln "
                        + fromGguf[t][j] + " / " + fromSt[t][j] + ", fp64 " + want[t][j]);
                assertEquals(fromGguf[t][j], helix[t][j], 1e-5 * scale, "Helix 4 x 2 vs one rank");
            }
            for (int j = 0; int8InEffect && j < VOCAB; j++) {
                double err = Math.abs(int8[t][j] - wantInt8[t][j]);
                worstInt8 = Math.max(worstInt8, err / scale);
                rounding = Math.max(rounding, Math.abs(wantInt8[t][j] - want[t][j]) / scale);
                assertTrue(err <= INT8_BOUND * scale, "seed " + SEED + ", " + type + " with int8 activations, position " + t + ", logit " + j
                        + ": kiln " + int8[t][j] + ", fp64 with int8-rounded activations " + wantInt8[t][j] + ", error " + err / scale
                        + " of max|logit| > " + INT8_BOUND);
            }
            if (!int8InEffect) {
                for (int j = 0; j < VOCAB; j++) assertEquals(fromGguf[t][j], int8[t][j], 1e-5 * scale, "int8 activations must not change " + type + " weights' arithmetic");
            }
            // Not bit for bit even for the same bytes: GGUF's permuted Q/K rows put each head's dims in another order, so q·k sums in another order.
            for (int j = 0; j < VOCAB; j++) assertEquals(fromSt[t][j], fromGguf[t][j], 1e-5 * scale, "GGUF vs safetensors, position " + t);
        }
        String int8Line = int8InEffect ? String.format("; int8 activations: %.2e against fp64 rounding the same way (whose rounding moved it by %.2e)",
                worstInt8, rounding) : type.quantized() ? "; int8 asked, ran " + QuantizedGemv.describeActivations(Activations.INT8, type) : "";
        System.out.printf("tiny llama %s%s: worst |kiln - fp64| / max|logit| = %.2e with fp32 activations%s%n", type, tied ? " (tied)" : "", worst, int8Line);
    }

    /** Generation through the public path (tokenizer from GGUF metadata, Generator): Helix ranks give one rank's tokens. */
    @ParameterizedTest
    @EnumSource(value = TensorType.class, names = {"Q8_0", "F16"})
    void greedy_generation_on_helix_ranks_equals_one_rank(TensorType type, @TempDir Path dir) throws IOException {
        Path gguf = build(type, dir).gguf();
        int[][] kvpTpa = {{1, 1}, {4, 2}, {2, 2}, {3, 1}, {1, 2}};
        String first = null;
        for (int[] kt : kvpTpa) {
            // fp32 activations: this model's 16-wide heads make the ranks' W_O column slices straddle quantization blocks, so
            // the ranks run them on fp32 copies, while one rank's int8 path would round its activation differently.
            try (Device cpu = Devices.open("cpu"); Models.Loaded m = Models.load(gguf, AttentionFactory.helix(cpu, kt[0], kt[1]), Integer.MAX_VALUE, Activations.FP32)) {
                StringBuilder text = new StringBuilder();
                Generator.Stats s = new Generator(m.model(), m.tokenizer(), new Sampler(0, 1, 1))
                        .generate("in the beginning there", 30, (id, piece) -> text.append(piece));
                assertEquals(30, s.generatedTokens());
                if (first == null) {
                    first = text.toString();
                    System.out.println("tiny llama " + type + " greedy: in the beginning there|" + first);
                } else assertEquals(first, text.toString(), "KVP " + kt[0] + " x TPA " + kt[1] + " vs one rank");
            }
        }
    }

    static float[][] run(Path file, int[] tokens, int kvp, int tpa, Activations activations) throws IOException {
        try (Device cpu = Devices.open("cpu"); Models.Loaded m = Models.load(file, AttentionFactory.helix(cpu, kvp, tpa), Integer.MAX_VALUE, activations)) {
            float[][] out = new float[tokens.length][];
            for (int t = 0; t < tokens.length; t++) out[t] = m.model().step(tokens[t]);
            return out;
        }
    }
}
