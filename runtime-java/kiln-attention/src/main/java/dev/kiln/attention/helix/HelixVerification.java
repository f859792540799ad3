package dev.kiln.attention.helix;

import dev.kiln.attention.AttentionKernels;
import dev.kiln.attention.Bf16;
import dev.kiln.attention.DecodeShape;
import dev.kiln.attention.KvDtype;
import dev.kiln.attention.ReferenceAttention;
import dev.kiln.device.Buffer;
import dev.kiln.device.Device;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The exactness matrix of {@code kiln helix verify}: Helix attention on emulated ranks against fp64
 * attention on one device, over KVP ∈ {1,2,3,4,8} × TPA ∈ {1,2,K}, three lengths (S = 1, S not a multiple
 * of the page or append block, S so short that some KVP ranks hold no token), GQA, MQA and MLA; bf16
 * caches with their max error and mismatch ratio; and the merge's order invariance and associativity.
 */
public final class HelixVerification {
    /** fp32 bound: relative L2 error of the output against fp64. */
    public static final double FP32_REL_TOL = 1e-6;
    /** TensorRT-LLM's bf16 tolerances for Helix vs single-GPU MLA. */
    public static final double BF16_ATOL = 0.1, BF16_RTOL = 0.05;

    private HelixVerification() {}

    public record Case(String shape, int kvp, int tpa, int seq, String dtype, int zeroTokenRanks, double relError,
                       double maxAbsError, double mismatchRatio, boolean passed, String note) {}

    public record Options(List<String> shapes, int[] kvps, int batch, int blockSize, boolean bf16, long seed) {
        public static Options full(long seed) {
            return new Options(List.of("gqa", "mqa", "mla"), new int[]{1, 2, 3, 4, 8}, 2, 16, true, seed);
        }
    }

    public static List<Case> run(Device device, Options o) {
        List<Case> cases = new ArrayList<>();
        SplittableRandom rnd = new SplittableRandom(o.seed());
        for (String name : o.shapes()) {
            DecodeShape shape = DecodeShape.named(name);
            int batch = name.equals("mla") ? 1 : o.batch();
            for (int kvp : o.kvps()) {
                LinkedHashSet<Integer> tpas = new LinkedHashSet<>(List.of(1, 2, shape.kvHeads()));
                for (int tpa : tpas) {
                    if (tpa > shape.kvHeads() || shape.kvHeads() % tpa != 0) continue;
                    HelixMapping m = HelixMapping.of(kvp, tpa, shape.qHeads(), shape.kvHeads());
                    int ragged = HelixMapping.DEFAULT_APPEND_BLOCK * kvp * 3 + 7; // not a multiple of page or append block
                    int shortSeq = Math.max(1, HelixMapping.DEFAULT_APPEND_BLOCK * (kvp - 1) - 3); // ranks past the first blocks hold nothing
                    for (int seq : new LinkedHashSet<>(List.of(1, ragged, shortSeq))) {
                        cases.add(one(device, m, shape, KvDtype.FP32, o.blockSize(), batch, seq, rnd.nextLong()));
                    }
                }
            }
            if (o.bf16()) {
                HelixMapping m = HelixMapping.of(4, 1, shape.qHeads(), shape.kvHeads());
                cases.add(one(device, m, shape, KvDtype.BF16, o.blockSize(), batch, 1000, rnd.nextLong()));
            }
        }
        cases.addAll(mergeChecks(device, rnd.nextLong()));
        return cases;
    }

    public static Case one(Device device, HelixMapping m, DecodeShape shape, KvDtype dtype, int blockSize, int batch, int seq, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] q = gaussian(r, batch * shape.qHeads() * shape.kDim(), 2);
        float[] k = gaussian(r, batch * seq * shape.kvHeads() * shape.kDim(), 1);
        float[] v = shape.latentV() ? new float[0] : gaussian(r, batch * seq * shape.kvHeads() * shape.vDim(), 1);
        float scale = shape.defaultScale();
        HelixAttentionEmulator.Result got = HelixAttentionEmulator.run(device, m, shape, dtype, blockSize, batch, seq, q, k, v, scale, 0);
        int zero = 0;
        for (int t : got.tokensPerKvpRank()) if (t == 0) zero++;
        String name = shape.latentV() ? "mla" : shape.kvHeads() == 1 ? "mqa" : shape.kvHeads() == shape.qHeads() ? "mha" : "gqa";
        if (dtype == KvDtype.FP32) {
            ReferenceAttention.Result want = ReferenceAttention.attend(shape, batch, seq, q, k, v, scale);
            double rel = relative(got.output(), want.output());
            double lseErr = maxAbs(got.lse(), want.lse());
            boolean ok = rel <= FP32_REL_TOL && lseErr <= 1e-5 * Math.max(1, Math.abs(maxAbsValue(want.lse())));
            return new Case(name, m.kvp(), m.tpa(), seq, "fp32", zero, rel, maxAbs(got.output(), want.output()), 0, ok,
                    String.format("lse max err %.1e; seed %d", lseErr, seed));
        }
        // bf16 cache vs fp64 on the unrounded fp32 inputs: the error a user sees.
        ReferenceAttention.Result want = ReferenceAttention.attend(shape, batch, seq, q, k, v, scale);
        double maxErr = 0;
        long mismatches = 0;
        for (int i = 0; i < want.output().length; i++) {
            double e = Math.abs(got.output()[i] - want.output()[i]);
            maxErr = Math.max(maxErr, e);
            if (e > BF16_ATOL + BF16_RTOL * Math.abs(want.output()[i])) mismatches++;
        }
        double ratio = (double) mismatches / want.output().length;
        return new Case(name, m.kvp(), m.tpa(), seq, "bf16", zero, relative(got.output(), want.output()), maxErr, ratio, mismatches == 0,
                String.format("vs atol %.2f / rtol %.2f; seed %d", BF16_ATOL, BF16_RTOL, seed));
    }

    /** Order invariance and associativity of the device merge kernel on random states with wide LSE spreads. */
    public static List<Case> mergeChecks(Device device, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int n = 8, rows = 64, dim = 128;
        float[] o = gaussian(r, n * rows * dim, 1);
        float[] lse = new float[n * rows];
        for (int i = 0; i < lse.length; i++) lse[i] = (float) r.nextDouble(-30, 30);
        for (int row = 0; row < rows; row += 7) lse[r.nextInt(n) * rows + row] = Float.NEGATIVE_INFINITY; // empty shards
        int[] perm = {5, 2, 7, 0, 3, 6, 1, 4};
        float[] po = new float[o.length], pl = new float[lse.length];
        for (int i = 0; i < n; i++) {
            System.arraycopy(o, perm[i] * rows * dim, po, i * rows * dim, rows * dim);
            System.arraycopy(lse, perm[i] * rows, pl, i * rows, rows);
        }
        float[][] all = merge(device, o, lse, n, rows, dim);
        float[][] permuted = merge(device, po, pl, n, rows, dim);
        // ((0..3) ⊕ (4..7)) against the flat 8-way merge.
        float[][] left = merge(device, java.util.Arrays.copyOfRange(o, 0, 4 * rows * dim), java.util.Arrays.copyOfRange(lse, 0, 4 * rows), 4, rows, dim);
        float[][] right = merge(device, java.util.Arrays.copyOfRange(o, 4 * rows * dim, 8 * rows * dim), java.util.Arrays.copyOfRange(lse, 4 * rows, 8 * rows), 4, rows, dim);
        float[] to = new float[2 * rows * dim], tl = new float[2 * rows];
        System.arraycopy(left[0], 0, to, 0, rows * dim);
        System.arraycopy(right[0], 0, to, rows * dim, rows * dim);
        System.arraycopy(left[1], 0, tl, 0, rows);
        System.arraycopy(right[1], 0, tl, rows, rows);
        float[][] tree = merge(device, to, tl, 2, rows, dim);
        double orderErr = relative(permuted[0], toDouble(all[0]));
        double assocErr = relative(tree[0], toDouble(all[0]));
        double lseAssoc = maxAbs(tree[1], toDouble(all[1]));
        return List.of(
                new Case("merge", n, 1, rows, "fp32", 0, orderErr, maxAbs(permuted[0], toDouble(all[0])), 0, orderErr <= 1e-6,
                        "shard order permuted; seed " + seed),
                new Case("merge", n, 1, rows, "fp32", 0, assocErr, lseAssoc, 0, assocErr <= 1e-6 && lseAssoc <= 1e-5,
                        "(a..d)+(e..h) vs flat 8-way; max abs = lse err; seed " + seed));
    }

    /** Runs the device merge on contiguous [n][rows][dim] states; returns {O, LSE}. */
    public static float[][] merge(Device device, float[] o, float[] lse, int n, int rows, int dim) {
        try (Arena arena = Arena.ofConfined();
             Buffer ob = device.upload(arena.allocateFrom(ValueLayout.JAVA_FLOAT, o));
             Buffer lb = device.upload(arena.allocateFrom(ValueLayout.JAVA_FLOAT, lse));
             Buffer outO = device.allocate((long) rows * dim * Float.BYTES);
             Buffer outL = device.allocate((long) rows * Float.BYTES)) {
            AttentionKernels.merge(device, ob, lb, outO, outL, n, rows, dim, 0, rows * dim, dim, 0, rows, 1);
            MemorySegment ho = arena.allocate(outO.byteSize()), hl = arena.allocate(outL.byteSize());
            device.queue().read(outO, 0, ho);
            device.queue().read(outL, 0, hl);
            return new float[][]{ho.toArray(ValueLayout.JAVA_FLOAT), hl.toArray(ValueLayout.JAVA_FLOAT)};
        }
    }

    static float[] gaussian(SplittableRandom r, int n, double sigma) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) (r.nextGaussian() * sigma);
        return a;
    }

    static double[] toDouble(float[] a) {
        double[] d = new double[a.length];
        for (int i = 0; i < a.length; i++) d[i] = a[i];
        return d;
    }

    public static double relative(float[] got, double[] want) {
        double num = 0, den = 0;
        for (int i = 0; i < want.length; i++) {
            double d = got[i] - want[i];
            num += d * d;
            den += want[i] * want[i];
        }
        return den == 0 ? Math.sqrt(num) : Math.sqrt(num / den);
    }

    public static double maxAbs(float[] got, double[] want) {
        double m = 0;
        for (int i = 0; i < want.length; i++) {
            if (Double.isInfinite(want[i]) && got[i] == want[i]) continue;
            m = Math.max(m, Math.abs(got[i] - want[i]));
        }
        return m;
    }

    private static double maxAbsValue(double[] a) {
        double m = 0;
        for (double x : a) if (!Double.isInfinite(x)) m = Math.max(m, Math.abs(x));
        return m;
    }

    static float bf16(float f) { return Bf16.round(f); }
}
