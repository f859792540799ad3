package dev.kiln.train;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The vectorised attention forward and backward against their scalar definitions (the loops the trainer had before,
 * kept here): every probability, output and gradient bit for bit, at head dims below, at and above a vector's
 * lanes and at the demo's shape, so training runs stay reproducible across the change.
 */
class GptAttentionTest {
    @Test
    void vectorisedAttentionEqualsTheScalarDefinitionBitForBit() {
        long seed = Long.getLong("kiln.test.seed", System.nanoTime());
        SplittableRandom rnd = new SplittableRandom(seed);
        int[][] shapes = {{64, 64, 4, 3}, {7, 12, 2, 2}, {33, 96, 2, 2}, {20, 40, 8, 1}, {17, 48, 1, 2}};   // context, dim, heads, batch
        for (int[] sh : shapes) {
            GptConfig c = new GptConfig(11, sh[0], sh[1], 2, sh[2]);
            Gpt gpt = new Gpt(new ParameterLayout(c));
            Gpt.Workspace ws = gpt.workspace(sh[3]);
            String where = "seed " + seed + " context " + sh[0] + " dim " + sh[1] + " heads " + sh[2];
            for (int l = 0; l < c.layers(); l++) {
                fill(rnd, ws.qkv);
                // This layer's part of the outputs starts as NaN before each: what one writes, the other must write too
                // (the probabilities above the diagonal stay NaN in both).
                int probs = ws.batch * c.heads() * c.context() * c.context(), outs = ws.n * c.dim();
                Arrays.fill(ws.att, l * probs, (l + 1) * probs, Float.NaN);
                Arrays.fill(ws.atty, l * outs, (l + 1) * outs, Float.NaN);
                gpt.attention(ws, l);
                float[] att = ws.att.clone(), atty = ws.atty.clone();
                Arrays.fill(ws.att, l * probs, (l + 1) * probs, Float.NaN);
                Arrays.fill(ws.atty, l * outs, (l + 1) * outs, Float.NaN);
                scalarAttention(c, ws, l);
                assertBits(ws.att, att, where + " layer " + l + " probabilities");
                assertBits(ws.atty, atty, where + " layer " + l + " outputs");

                fill(rnd, ws.datty);
                gpt.attentionBackward(ws, l);
                float[] dqkv = ws.dqkv.clone();
                scalarAttentionBackward(c, ws, l);
                assertBits(ws.dqkv, dqkv, where + " layer " + l + " dQKV");
            }
        }
    }

    private static void fill(SplittableRandom rnd, float[] x) {
        for (int i = 0; i < x.length; i++) x[i] = (float) (rnd.nextDouble() * 4 - 2);
    }

    private static void assertBits(float[] want, float[] got, String what) {
        for (int i = 0; i < want.length; i++) {
            assertEquals(Float.floatToRawIntBits(want[i]), Float.floatToRawIntBits(got[i]), what + " [" + i + "]: " + want[i] + " vs " + got[i]);
        }
    }

    /** The scalar forward: scores, softmax, weighted sum of V, element by element. */
    static void scalarAttention(GptConfig c, Gpt.Workspace ws, int l) {
        int t = c.context(), d = c.dim(), hs = c.headDim(), heads = c.heads(), batch = ws.batch;
        int qkv0 = l * ws.n * 3 * d, y0 = l * ws.n * d;
        float scale = (float) (1.0 / Math.sqrt(hs));
        for (int b = 0; b < batch; b++) {
            for (int hd = 0; hd < heads; hd++) {
                int probs0 = ((l * batch + b) * heads + hd) * t * t;
                for (int i = 0; i < t; i++) {
                    int q = qkv0 + (b * t + i) * 3 * d + hd * hs;
                    int pr = probs0 + i * t;
                    float max = Float.NEGATIVE_INFINITY;
                    for (int j = 0; j <= i; j++) {
                        int k = qkv0 + (b * t + j) * 3 * d + d + hd * hs;
                        float s = 0;
                        for (int e = 0; e < hs; e++) s += ws.qkv[q + e] * ws.qkv[k + e];
                        s *= scale;
                        ws.att[pr + j] = s;
                        max = Math.max(max, s);
                    }
                    float sum = 0;
                    for (int j = 0; j <= i; j++) {
                        float e = (float) Math.exp(ws.att[pr + j] - max);
                        ws.att[pr + j] = e;
                        sum += e;
                    }
                    float inv = 1f / sum;
                    int y = y0 + (b * t + i) * d + hd * hs;
                    Arrays.fill(ws.atty, y, y + hs, 0f);
                    for (int j = 0; j <= i; j++) {
                        float p = ws.att[pr + j] * inv;
                        ws.att[pr + j] = p;
                        int v = qkv0 + (b * t + j) * 3 * d + 2 * d + hd * hs;
                        for (int e = 0; e < hs; e++) ws.atty[y + e] += p * ws.qkv[v + e];
                    }
                }
            }
        }
    }

    /** The scalar backward, from the probabilities the forward kept. */
    static void scalarAttentionBackward(GptConfig c, Gpt.Workspace ws, int l) {
        int t = c.context(), d = c.dim(), hs = c.headDim(), heads = c.heads(), batch = ws.batch;
        int qkv0 = l * ws.n * 3 * d;
        float scale = (float) (1.0 / Math.sqrt(hs));
        Arrays.fill(ws.dqkv, 0f);
        float[] dp = new float[t];
        for (int b = 0; b < batch; b++) {
            for (int hd = 0; hd < heads; hd++) {
                int probs0 = ((l * batch + b) * heads + hd) * t * t;
                for (int i = 0; i < t; i++) {
                    int pr = probs0 + i * t;
                    int dy = (b * t + i) * d + hd * hs;
                    int qOff = (b * t + i) * 3 * d + hd * hs;
                    float dot = 0;
                    for (int j = 0; j <= i; j++) {
                        int vOff = (b * t + j) * 3 * d + 2 * d + hd * hs;
                        float p = ws.att[pr + j], s = 0;
                        for (int e = 0; e < hs; e++) {
                            s += ws.datty[dy + e] * ws.qkv[qkv0 + vOff + e];
                            ws.dqkv[vOff + e] += p * ws.datty[dy + e];
                        }
                        dp[j] = s;
                        dot += p * s;
                    }
                    for (int j = 0; j <= i; j++) {
                        float ds = ws.att[pr + j] * (dp[j] - dot) * scale;
                        int kOff = (b * t + j) * 3 * d + d + hd * hs;
                        for (int e = 0; e < hs; e++) {
                            ws.dqkv[qOff + e] += ds * ws.qkv[qkv0 + kOff + e];
                            ws.dqkv[kOff + e] += ds * ws.qkv[qkv0 + qOff + e];
                        }
                    }
                }
            }
        }
    }
}
