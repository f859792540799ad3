package dev.kiln.train;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

import java.util.Arrays;

import static dev.kiln.train.TrainKernels.accumulateColumnSums;
import static dev.kiln.train.TrainKernels.accumulateTransposedA;
import static dev.kiln.train.TrainKernels.add;
import static dev.kiln.train.TrainKernels.gelu;
import static dev.kiln.train.TrainKernels.geluBackward;
import static dev.kiln.train.TrainKernels.layerNorm;
import static dev.kiln.train.TrainKernels.layerNormBackward;
import static dev.kiln.train.TrainKernels.matmul;
import static dev.kiln.train.TrainKernels.matmulTransposedB;

/**
 * A GPT-style character decoder with a hand-written forward and backward pass over one flat parameter vector
 * (layout: {@link ParameterLayout}). Per block: {@code x += proj(attn(ln1(x)))}, {@code x += down(gelu(up(ln2(x))))};
 * then a final layer norm and logits {@code ln(x) · wteᵀ} (the head is tied to the token embedding).
 * The loss is the mean next-token cross-entropy in nats, accumulated in double.
 */
public final class Gpt {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final int L = F.length();
    private final GptConfig c;
    private final ParameterLayout layout;

    public Gpt(ParameterLayout layout) {
        this.layout = layout;
        this.c = layout.config();
    }

    public ParameterLayout layout() { return layout; }

    /** Activation memory for batches of {@code batch} sequences; reuse it across steps. */
    public Workspace workspace(int batch) { return new Workspace(c, batch); }

    /** Mean cross-entropy of predicting {@code targets} from {@code tokens} ({@code batch * context} each). */
    public double loss(float[] params, int[] tokens, int[] targets, Workspace ws) {
        forward(params, tokens, ws);
        return crossEntropy(targets, ws, false);
    }

    /** Like {@link #loss}, and writes its gradient into {@code grad} (overwriting {@code grad[0, layout.size())}). */
    public double lossAndGradient(float[] params, float[] grad, int[] tokens, int[] targets, Workspace ws) {
        forward(params, tokens, ws);
        double loss = crossEntropy(targets, ws, true);
        Arrays.fill(grad, 0, layout.size(), 0f);
        backward(params, grad, tokens, ws);
        return loss;
    }

    /**
     * The next-token logits {@code [batch * context][vocab]} of {@code tokens}: the forward pass of training, for
     * checking inference against it (a copy; row r predicts the token after position r).
     */
    public float[] logits(float[] params, int[] tokens, Workspace ws) {
        forward(params, tokens, ws);
        return ws.logits.clone();
    }

    private void checkBatch(int[] tokens, Workspace ws) {
        if (tokens.length != ws.n) {
            throw new IllegalArgumentException("tokens.length = " + tokens.length + "; the workspace holds batch * context = " + ws.n);
        }
    }

    private void forward(float[] w, int[] tokens, Workspace ws) {
        checkBatch(tokens, ws);
        int n = ws.n, d = c.dim(), h = c.hidden(), t = c.context();
        int wte = layout.tokenEmbedding(), wpe = layout.positionEmbedding();
        for (int r = 0; r < n; r++) {
            int tok = tokens[r];
            if (tok < 0 || tok >= c.vocab()) throw new IllegalArgumentException("token " + tok + " at " + r + " is outside [0, " + c.vocab() + ")");
            int pos = r % t;
            for (int i = 0; i < d; i++) ws.resid[r * d + i] = w[wte + tok * d + i] + w[wpe + pos * d + i];
        }
        for (int l = 0; l < c.layers(); l++) {
            ParameterLayout.Block p = layout.block(l);
            int x = l * n * d, nd = l * n * d, nh = l * n * h;
            layerNorm(ws.ln1, nd, ws.resid, x, w, p.ln1Gain(), w, p.ln1Bias(), ws.ln1Mean[l], ws.ln1Rstd[l], n, d);
            matmul(ws.qkv, 3 * nd, ws.ln1, nd, w, p.wQkv(), w, p.bQkv(), n, d, 3 * d);
            attention(ws, l);
            matmul(ws.mid, nd, ws.atty, nd, w, p.wProj(), w, p.bProj(), n, d, d);
            add(ws.mid, nd, ws.resid, x, n * d);
            layerNorm(ws.ln2, nd, ws.mid, nd, w, p.ln2Gain(), w, p.ln2Bias(), ws.ln2Mean[l], ws.ln2Rstd[l], n, d);
            matmul(ws.up, nh, ws.ln2, nd, w, p.wUp(), w, p.bUp(), n, d, h);
            gelu(ws.act, nh, ws.upTanh, ws.up, nh, n * h);
            matmul(ws.resid, x + n * d, ws.act, nh, w, p.wDown(), w, p.bDown(), n, h, d);
            add(ws.resid, x + n * d, ws.mid, nd, n * d);
        }
        layerNorm(ws.lnf, 0, ws.resid, c.layers() * n * d, w, layout.lnfGain(), w, layout.lnfBias(), ws.lnfMean, ws.lnfRstd, n, d);
        matmulTransposedB(ws.logits, 0, ws.lnf, 0, w, wte, n, d, c.vocab(), false);
    }

    /**
     * Causal softmax attention of layer {@code l}, head by head; keeps the probabilities for the backward. The dot
     * products run with SIMD lanes over key positions (K of the head transposed into scratch first), the weighted
     * sum of V with lanes over the head's dims. Each lane does the scalar loop's multiplies and adds (not FMAs) in
     * its order, so the bits equal the scalar definition's ({@code GptAttentionTest}); the softmax stays scalar.
     */
    void attention(Workspace ws, int l) {
        int t = c.context(), d = c.dim(), hs = c.headDim(), heads = c.heads(), batch = ws.batch;
        int qkv0 = l * ws.n * 3 * d, y0 = l * ws.n * d;
        float scale = (float) (1.0 / Math.sqrt(hs));
        float[] qkv = ws.qkv, kt = ws.kt;
        for (int b = 0; b < batch; b++) {
            for (int hd = 0; hd < heads; hd++) {
                transpose(qkv, qkv0 + b * t * 3 * d + d + hd * hs, 3 * d, t, hs, kt);
                int probs0 = ((l * batch + b) * heads + hd) * t * t;
                for (int i = 0; i < t; i++) {
                    int q = qkv0 + (b * t + i) * 3 * d + hd * hs;
                    int pr = probs0 + i * t;
                    for (int j = 0; j <= i; j += L) {
                        VectorMask<Float> m = F.indexInRange(j, i + 1);
                        FloatVector s = FloatVector.zero(F);
                        for (int e = 0; e < hs; e++) s = s.add(FloatVector.fromArray(F, kt, e * t + j, m).mul(qkv[q + e]));
                        s.mul(scale).intoArray(ws.att, pr + j, m);
                    }
                    float max = Float.NEGATIVE_INFINITY;
                    for (int j = 0; j <= i; j++) max = Math.max(max, ws.att[pr + j]);
                    float sum = 0;
                    for (int j = 0; j <= i; j++) {
                        float e = (float) Math.exp(ws.att[pr + j] - max);
                        ws.att[pr + j] = e;
                        sum += e;
                    }
                    float inv = 1f / sum;
                    for (int j = 0; j <= i; j++) ws.att[pr + j] *= inv;
                    int y = y0 + (b * t + i) * d + hd * hs;
                    for (int e = 0; e < hs; e += L) {
                        VectorMask<Float> m = F.indexInRange(e, hs);
                        FloatVector acc = FloatVector.zero(F);
                        for (int j = 0; j <= i; j++) {
                            int v = qkv0 + (b * t + j) * 3 * d + 2 * d + hd * hs + e;
                            acc = acc.add(FloatVector.fromArray(F, qkv, v, m).mul(ws.att[pr + j]));
                        }
                        acc.intoArray(ws.atty, y + e, m);
                    }
                }
            }
        }
    }

    /** {@code out[e * rows + r] = x[at + r * stride + e]} for r < rows, e < cols: one head's K or V, dims outermost. */
    private static void transpose(float[] x, int at, int stride, int rows, int cols, float[] out) {
        for (int r = 0; r < rows; r++) {
            int row = at + r * stride;
            for (int e = 0; e < cols; e++) out[e * rows + r] = x[row + e];
        }
    }

    /** Mean cross-entropy; with {@code gradient}, turns the logits into dLoss/dLogits in place. */
    private double crossEntropy(int[] targets, Workspace ws, boolean gradient) {
        if (targets.length != ws.n) throw new IllegalArgumentException("targets.length = " + targets.length + "; expected " + ws.n);
        int v = c.vocab();
        double total = 0;
        float invN = 1f / ws.n;
        for (int r = 0; r < ws.n; r++) {
            int row = r * v, target = targets[r];
            if (target < 0 || target >= v) throw new IllegalArgumentException("target " + target + " at " + r + " is outside [0, " + v + ")");
            float max = Float.NEGATIVE_INFINITY;
            for (int i = 0; i < v; i++) max = Math.max(max, ws.logits[row + i]);
            double sum = 0;
            for (int i = 0; i < v; i++) sum += Math.exp(ws.logits[row + i] - max);
            total += Math.log(sum) - (ws.logits[row + target] - max);
            if (gradient) {
                float inv = (float) (1.0 / sum);
                for (int i = 0; i < v; i++) ws.logits[row + i] = (float) Math.exp(ws.logits[row + i] - max) * inv * invN;
                ws.logits[row + target] -= invN;
            }
        }
        return total / ws.n;
    }

    private void backward(float[] w, float[] g, int[] tokens, Workspace ws) {
        int n = ws.n, d = c.dim(), h = c.hidden(), v = c.vocab(), t = c.context();
        int wte = layout.tokenEmbedding(), wpe = layout.positionEmbedding();
        // Tied head: logits = lnf · wteᵀ.
        matmul(ws.dln, 0, ws.logits, 0, w, wte, null, 0, n, v, d);
        accumulateTransposedA(g, wte, ws.logits, 0, ws.lnf, 0, n, v, d);
        Arrays.fill(ws.dx, 0f);
        layerNormBackward(ws.dx, 0, g, layout.lnfGain(), layout.lnfBias(), ws.dln, 0, ws.resid, c.layers() * n * d,
                w, layout.lnfGain(), ws.lnfMean, ws.lnfRstd, n, d);
        for (int l = c.layers() - 1; l >= 0; l--) {
            ParameterLayout.Block p = layout.block(l);
            int nd = l * n * d, nh = l * n * h;
            // MLP: resid[l+1] = mid + down(gelu(up(ln2(mid)))); ws.dx holds dLoss/dresid[l+1].
            matmulTransposedB(ws.dact, 0, ws.dx, 0, w, p.wDown(), n, d, h, false);
            accumulateTransposedA(g, p.wDown(), ws.act, nh, ws.dx, 0, n, h, d);
            accumulateColumnSums(g, p.bDown(), ws.dx, 0, n, d);
            geluBackward(ws.dup, 0, ws.dact, 0, ws.up, ws.upTanh, nh, n * h);
            matmulTransposedB(ws.dln, 0, ws.dup, 0, w, p.wUp(), n, h, d, false);
            accumulateTransposedA(g, p.wUp(), ws.ln2, nd, ws.dup, 0, n, d, h);
            accumulateColumnSums(g, p.bUp(), ws.dup, 0, n, h);
            layerNormBackward(ws.dx, 0, g, p.ln2Gain(), p.ln2Bias(), ws.dln, 0, ws.mid, nd, w, p.ln2Gain(),
                    ws.ln2Mean[l], ws.ln2Rstd[l], n, d);
            // Attention: mid = resid[l] + proj(attn(ln1(resid[l]))); ws.dx now holds dLoss/dmid.
            matmulTransposedB(ws.datty, 0, ws.dx, 0, w, p.wProj(), n, d, d, false);
            accumulateTransposedA(g, p.wProj(), ws.atty, nd, ws.dx, 0, n, d, d);
            accumulateColumnSums(g, p.bProj(), ws.dx, 0, n, d);
            attentionBackward(ws, l);
            matmulTransposedB(ws.dln, 0, ws.dqkv, 0, w, p.wQkv(), n, 3 * d, d, false);
            accumulateTransposedA(g, p.wQkv(), ws.ln1, nd, ws.dqkv, 0, n, d, 3 * d);
            accumulateColumnSums(g, p.bQkv(), ws.dqkv, 0, n, 3 * d);
            layerNormBackward(ws.dx, 0, g, p.ln1Gain(), p.ln1Bias(), ws.dln, 0, ws.resid, nd, w, p.ln1Gain(),
                    ws.ln1Mean[l], ws.ln1Rstd[l], n, d);
        }
        for (int r = 0; r < n; r++) {
            add(g, wte + tokens[r] * d, ws.dx, r * d, d);
            add(g, wpe + (r % t) * d, ws.dx, r * d, d);
        }
    }

    /** Backward of {@link #attention}, vectorised the same way (and to the same bits as the scalar definition). */
    void attentionBackward(Workspace ws, int l) {
        int t = c.context(), d = c.dim(), hs = c.headDim(), heads = c.heads(), batch = ws.batch;
        int qkv0 = l * ws.n * 3 * d;
        float scale = (float) (1.0 / Math.sqrt(hs));
        Arrays.fill(ws.dqkv, 0f);
        float[] dp = ws.dprobs, qkv = ws.qkv, dqkv = ws.dqkv, vt = ws.kt;
        for (int b = 0; b < batch; b++) {
            for (int hd = 0; hd < heads; hd++) {
                transpose(qkv, qkv0 + b * t * 3 * d + 2 * d + hd * hs, 3 * d, t, hs, vt);
                int probs0 = ((l * batch + b) * heads + hd) * t * t;
                for (int i = 0; i < t; i++) {
                    int pr = probs0 + i * t;
                    int dy = (b * t + i) * d + hd * hs;
                    int qOff = (b * t + i) * 3 * d + hd * hs;
                    // dp[j] = datty · v_j, lanes over j
                    for (int j = 0; j <= i; j += L) {
                        VectorMask<Float> m = F.indexInRange(j, i + 1);
                        FloatVector s = FloatVector.zero(F);
                        for (int e = 0; e < hs; e++) s = s.add(FloatVector.fromArray(F, vt, e * t + j, m).mul(ws.datty[dy + e]));
                        s.intoArray(dp, j, m);
                    }
                    float dot = 0;
                    for (int j = 0; j <= i; j++) dot += ws.att[pr + j] * dp[j];
                    for (int e = 0; e < hs; e += L) {
                        VectorMask<Float> m = F.indexInRange(e, hs);
                        FloatVector dyv = FloatVector.fromArray(F, ws.datty, dy + e, m), qv = FloatVector.fromArray(F, qkv, qkv0 + qOff + e, m);
                        FloatVector dq = FloatVector.fromArray(F, dqkv, qOff + e, m);
                        for (int j = 0; j <= i; j++) {
                            float p = ws.att[pr + j], ds = p * (dp[j] - dot) * scale;
                            int vOff = (b * t + j) * 3 * d + 2 * d + hd * hs + e, kOff = vOff - d;
                            FloatVector.fromArray(F, dqkv, vOff, m).add(dyv.mul(p)).intoArray(dqkv, vOff, m);
                            dq = dq.add(FloatVector.fromArray(F, qkv, qkv0 + kOff, m).mul(ds));
                            FloatVector.fromArray(F, dqkv, kOff, m).add(qv.mul(ds)).intoArray(dqkv, kOff, m);
                        }
                        dq.intoArray(dqkv, qOff + e, m);
                    }
                }
            }
        }
    }

    /** Activations kept from the forward pass for the backward, and the backward's scratch; sized for one batch. */
    public static final class Workspace {
        final int batch, n;
        final float[] resid, ln1, qkv, att, atty, mid, ln2, up, upTanh, act, lnf, logits;
        final float[][] ln1Mean, ln1Rstd, ln2Mean, ln2Rstd;
        final float[] lnfMean, lnfRstd;
        final float[] dx, dln, dqkv, datty, dup, dact, dprobs;
        /** One head's K (forward) or V (backward), transposed: {@code [headDim][context]}. */
        final float[] kt;

        Workspace(GptConfig c, int batch) {
            if (batch <= 0) throw new IllegalArgumentException("batch = " + batch + "; must be > 0");
            this.batch = batch;
            this.n = batch * c.context();
            int d = c.dim(), h = c.hidden(), layers = c.layers(), t = c.context();
            resid = new float[(layers + 1) * n * d];
            ln1 = new float[layers * n * d];
            qkv = new float[layers * n * 3 * d];
            att = new float[layers * batch * c.heads() * t * t];
            atty = new float[layers * n * d];
            mid = new float[layers * n * d];
            ln2 = new float[layers * n * d];
            up = new float[layers * n * h];
            upTanh = new float[layers * n * h];
            act = new float[layers * n * h];
            lnf = new float[n * d];
            logits = new float[n * c.vocab()];
            ln1Mean = new float[layers][n];
            ln1Rstd = new float[layers][n];
            ln2Mean = new float[layers][n];
            ln2Rstd = new float[layers][n];
            lnfMean = new float[n];
            lnfRstd = new float[n];
            dx = new float[n * d];
            dln = new float[n * d];
            dqkv = new float[n * 3 * d];
            datty = new float[n * d];
            dup = new float[n * h];
            dact = new float[n * h];
            dprobs = new float[t];
            kt = new float[c.headDim() * t];
        }
    }
}
