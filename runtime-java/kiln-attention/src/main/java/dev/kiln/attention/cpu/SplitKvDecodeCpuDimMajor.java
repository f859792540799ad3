package dev.kiln.attention.cpu;

import dev.kiln.device.cpu.CpuLaunch;
import dev.kiln.device.cpu.CpuParallel;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

import static dev.kiln.attention.cpu.SplitKvDecodeCpu.F;
import static dev.kiln.attention.cpu.SplitKvDecodeCpu.L;
import static dev.kiln.attention.cpu.SplitKvDecodeCpu.S;
import static dev.kiln.attention.cpu.SplitKvDecodeCpu.TILE;
import static dev.kiln.attention.cpu.SplitKvDecodeCpu.load;

/**
 * Split-KV decode attention on the CPU over {@link dev.kiln.attention.KeyLayout#DIM_MAJOR} keys: one KV
 * head's keys in a page are {@code [kDim][blockSize]}, values {@code [blockSize][vDim]}. The arguments and
 * the result are those of {@link SplitKvDecodeCpu}; only the inner loops differ, and that is the point:
 *
 * <ul>
 *   <li><b>Scores</b> with SIMD lanes over tokens: for each key dimension d, four contiguous key vectors
 *       (64 tokens) times the broadcast {@code q[g][d]} of four query heads, into 16 accumulators. No
 *       horizontal reductions, two loads per four FMAs, and the result is already the score row the
 *       softmax reads.</li>
 *   <li><b>Values</b> read row by row, whole rows of 8 vectors for two query heads at a time (16
 *       accumulators), so V streams front to back like K and the hardware prefetcher keeps up.</li>
 * </ul>
 * The fast paths read fp32, and bf16 on 16-lane vectors (see {@link #scores4x64Bf16}). What they do not cover
 * (a tile shorter than {@value SplitKvDecodeCpu#TILE} tokens, group sizes not a multiple of 4, {@code vDim} not
 * a multiple of 8 vectors) takes plain per-head loops, or the token-major kernel's V loops, which are correct
 * for any shape.
 *
 * <p>On AVX-512 machines the shapes this kernel's fast loops cover (fp32 and bf16) run as C instead
 * ({@link SplitKvDecodeCpuNative}): the same loops and roundings, plus the software prefetch Java cannot issue.
 */
final class SplitKvDecodeCpuDimMajor {
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    /** Output vectors per V row that one accumulation pass keeps in registers (2 heads × 8 = 16 accumulators). */
    private static final int V_VECTORS = 8;

    private SplitKvDecodeCpuDimMajor() {}


    /**
     * One task is (sequence, split) and walks its pages in order, every KV head of a page before the
     * next page: pages are {@code [kvHeads][...]}, so the task reads the K pool and the V pool as two
     * long sequential streams. (One task per KV head, as the token-major kernel does, jumps a whole page
     * every 32 KiB; with the inner loops below that pattern alone reached only 0.68 of the read ceiling.)
     * The online-softmax state of every head of the sequence lives in the task: 32 heads × 128 floats.
     */
    static void run(CpuLaunch l) {
        DecodeArgs a = DecodeArgs.of(l);
        if (SplitKvDecodeCpuNative.takes(a)) {
            SplitKvDecodeCpuNative.run(a);
        } else {
            runVectorApi(a);
        }
    }

    /** The Java kernel, for every shape and dtype; where the native one also runs, the two give the same bits. */
    static void runVectorApi(DecodeArgs a) {
        MemorySegment kPool = a.kPool(), vPool = a.vPool(), table = a.table();
        int hkv = a.hkv(), dk = a.dk(), dv = a.dv(), blockSize = a.blockSize(), maxBlocks = a.maxBlocks();
        int splits = a.splits(), group = a.group(), es = a.elementBytes();
        boolean bf16 = a.bf16();
        long kRowBytes = (long) blockSize * es, vRowBytes = (long) a.vStride() * es;
        boolean paired = pairedBf16(bf16, group, dv);
        CpuParallel.forEach(a.batch() * splits, task -> {
            int split = task % splits, b = task / splits;
            int t0 = a.splitStart(b, split), t1 = a.splitEnd(b, split);
            HeadState[] heads = new HeadState[hkv];
            for (int kvh = 0; kvh < hkv; kvh++) {
                heads[kvh] = new HeadState(group, dk, dv);
                a.scaledQueries(b, kvh, heads[kvh].qs);
            }
            float[] sc = new float[group * TILE];
            for (int t = t0; t < t1; ) {
                int block = t / blockSize, slot = t % blockSize;
                int n = Math.min(TILE, Math.min(blockSize - slot, t1 - t));
                long page = table.getAtIndex(ValueLayout.JAVA_INT, (long) b * maxBlocks + block);
                for (int kvh = 0; kvh < hkv; kvh++) {
                    long head = page * hkv + kvh;
                    long kBase = (head * dk * blockSize + slot) * es; // key (d = 0, this slot)
                    long vBase = (head * blockSize + slot) * vRowBytes; // value row of this slot
                    tile(heads[kvh], group, dk, dv, kPool, kBase, kRowBytes, vPool, vBase, vRowBytes, n, sc, bf16, paired);
                }
                t += n;
            }
            for (int kvh = 0; kvh < hkv; kvh++) {
                if (paired) unpairDims(heads[kvh].acc, group * dv);
                a.writeStates(b, kvh, split, heads[kvh].acc, heads[kvh].m, heads[kvh].sum);
            }
        });
    }

    /** The query heads of one KV head: scaled queries, running max and sum, unnormalised output. */
    private static final class HeadState {
        final float[] qs, acc, m, sum;

        HeadState(int group, int dk, int dv) {
            qs = new float[group * dk];
            acc = new float[group * dv];
            m = new float[group];
            sum = new float[group];
            java.util.Arrays.fill(m, Float.NEGATIVE_INFINITY);
        }
    }

    /** One KV head's n tokens of one page: scores, the online-softmax step, the V accumulation. */
    private static void tile(HeadState h, int group, int dk, int dv, MemorySegment kPool, long kBase, long kRowBytes,
                             MemorySegment vPool, long vBase, long vRowBytes, int n, float[] sc, boolean bf16, boolean paired) {
        int g = 0;
        boolean pairedScores = false;
        if (n == TILE && !bf16) {
            for (; g + 4 <= group; g += 4) {
                for (int d0 = 0; d0 < dk; d0 += D_BLOCK) scores4x64(h.qs, g, dk, d0, Math.min(dk, d0 + D_BLOCK), kPool, kBase, kRowBytes, sc, d0 == 0);
            }
        } else if (n == TILE && paired && group % 4 == 0) { // bf16: every row of sc in paired order, which only the paired V loop reads
            pairedScores = true;
            for (; g < group; g += 4) {
                for (int d0 = 0; d0 < dk; d0 += D_BLOCK) scores4x64Bf16(h.qs, g, dk, d0, Math.min(dk, d0 + D_BLOCK), kPool, kBase, kRowBytes, sc, d0 == 0);
            }
        }
        for (; g < group; g++) scores1(h.qs, g, dk, kPool, kBase, kRowBytes, n, sc, bf16);
        SplitKvDecodeCpu.softmaxTile(sc, group, n, h.m, h.sum, h.acc, dv);
        if (paired) {
            int[] order = pairedScores ? PAIRED : NATURAL;
            for (g = 0; g < group; g += 2) {
                for (int c = 0; c < dv; c += V_VECTORS * L) accumulate2x8Bf16(sc, order, g, n, vPool, vBase, vRowBytes, c, dv, h.acc);
            }
        } else if (!bf16 && group % 2 == 0 && dv % (V_VECTORS * L) == 0) {
            for (g = 0; g < group; g += 2) {
                for (int c = 0; c < dv; c += V_VECTORS * L) accumulate2x8(sc, g, n, vPool, vBase, vRowBytes, c, dv, h.acc);
            }
        } else if (!bf16 && group % 2 == 0 && dv % (V_VECTORS / 2 * L) == 0) {   // 64-wide heads (Llama 3.2 1B)
            for (g = 0; g < group; g += 2) {
                for (int c = 0; c < dv; c += V_VECTORS / 2 * L) accumulate2x4(sc, g, n, vPool, vBase, vRowBytes, c, dv, h.acc);
            }
        } else if (group % 4 == 0) {
            for (g = 0; g < group; g += 4) SplitKvDecodeCpu.accumulate4(sc, g, n, vPool, vBase, vRowBytes, dv, h.acc, bf16);
        } else if (bf16) {
            SplitKvDecodeCpu.accumulateBf16(sc, group, n, vPool, vBase, vRowBytes, dv, h.acc);
        } else {
            SplitKvDecodeCpu.accumulateF32(sc, group, n, vPool, vBase, vRowBytes, dv, h.acc);
        }
    }

    /**
     * Key dimensions summed in one FMA chain before the chain is added to the score row. One chain over
     * all 128 dimensions rounds about three times worse than the token-major kernel's 16 lanes of 8 plus
     * a tree, and missed the 1e-6 bound (1.2e-6 at S = 1000); two chains of 64 keep it, and cost less
     * than shorter ones (measured in L2, per token and four heads: 9.2 ns with one chain, 10.9 with two,
     * 13–15 with four).
     */
    static final int D_BLOCK = 64;

    /**
     * Scores of query heads g0..g0+3 over key dimensions [d0, d1) for a full fp32 tile of
     * {@value SplitKvDecodeCpu#TILE} tokens: per dimension, four key vectors (loaded once) times four
     * broadcast query elements, 16 accumulators. The first block writes the score rows, later ones add.
     *
     * <p>Kept as one flat loop with direct loads and no vector flowing through a branch: C2 compiled
     * variants of this method with a blocked inner loop or a shared {@code load} helper up to 2.5× slower,
     * and differently from run to run. The same holds for the stores after the loop: moving them into a
     * {@code scoreRow(sc, o, first, x0..x3)} helper shared with {@link #scores4x64Bf16} halved both kernels'
     * bandwidth (fp32 14 against 27 GB/s, bf16 9 against 21 GB/s, alternating runs, session 4), so the two
     * methods keep their own copies of these sixteen statements.
     */
    private static void scores4x64(float[] qs, int g0, int dk, int d0, int d1, MemorySegment k, long base, long rowBytes, float[] sc, boolean first) {
        int q0 = g0 * dk, q1 = q0 + dk, q2 = q1 + dk, q3 = q2 + dk;
        long v1 = (long) L * Float.BYTES, v2 = 2 * v1, v3 = 3 * v1;
        FloatVector z = FloatVector.zero(F);
        FloatVector a0 = z, a1 = z, a2 = z, a3 = z, b0 = z, b1 = z, b2 = z, b3 = z;
        FloatVector c0 = z, c1 = z, c2 = z, c3 = z, e0 = z, e1 = z, e2 = z, e3 = z;
        for (int d = d0; d < d1; d++) {
            long r = base + d * rowBytes;
            FloatVector k0 = FloatVector.fromMemorySegment(F, k, r, LE), k1 = FloatVector.fromMemorySegment(F, k, r + v1, LE);
            FloatVector k2 = FloatVector.fromMemorySegment(F, k, r + v2, LE), k3 = FloatVector.fromMemorySegment(F, k, r + v3, LE);
            FloatVector w = FloatVector.broadcast(F, qs[q0 + d]);
            a0 = k0.fma(w, a0); a1 = k1.fma(w, a1); a2 = k2.fma(w, a2); a3 = k3.fma(w, a3);
            w = FloatVector.broadcast(F, qs[q1 + d]);
            b0 = k0.fma(w, b0); b1 = k1.fma(w, b1); b2 = k2.fma(w, b2); b3 = k3.fma(w, b3);
            w = FloatVector.broadcast(F, qs[q2 + d]);
            c0 = k0.fma(w, c0); c1 = k1.fma(w, c1); c2 = k2.fma(w, c2); c3 = k3.fma(w, c3);
            w = FloatVector.broadcast(F, qs[q3 + d]);
            e0 = k0.fma(w, e0); e1 = k1.fma(w, e1); e2 = k2.fma(w, e2); e3 = k3.fma(w, e3);
        }
        int o = g0 * TILE;
        if (first) {
            a0.intoArray(sc, o); a1.intoArray(sc, o + L); a2.intoArray(sc, o + 2 * L); a3.intoArray(sc, o + 3 * L);
            o += TILE;
            b0.intoArray(sc, o); b1.intoArray(sc, o + L); b2.intoArray(sc, o + 2 * L); b3.intoArray(sc, o + 3 * L);
            o += TILE;
            c0.intoArray(sc, o); c1.intoArray(sc, o + L); c2.intoArray(sc, o + 2 * L); c3.intoArray(sc, o + 3 * L);
            o += TILE;
            e0.intoArray(sc, o); e1.intoArray(sc, o + L); e2.intoArray(sc, o + 2 * L); e3.intoArray(sc, o + 3 * L);
        } else {
            addInto(a0, sc, o); addInto(a1, sc, o + L); addInto(a2, sc, o + 2 * L); addInto(a3, sc, o + 3 * L);
            o += TILE;
            addInto(b0, sc, o); addInto(b1, sc, o + L); addInto(b2, sc, o + 2 * L); addInto(b3, sc, o + 3 * L);
            o += TILE;
            addInto(c0, sc, o); addInto(c1, sc, o + L); addInto(c2, sc, o + 2 * L); addInto(c3, sc, o + 3 * L);
            o += TILE;
            addInto(e0, sc, o); addInto(e1, sc, o + L); addInto(e2, sc, o + 2 * L); addInto(e3, sc, o + 3 * L);
        }
    }

    private static void addInto(FloatVector partial, float[] a, int offset) {
        partial.add(FloatVector.fromArray(F, a, offset)).intoArray(a, offset);
    }

    /** Scores of one query head for the tile's first n tokens (any n ≤ TILE), one masked vector at a time. */
    private static void scores1(float[] qs, int g, int dk, MemorySegment k, long base, long rowBytes, int n, float[] sc, boolean bf16) {
        int es = bf16 ? 2 : 4, qo = g * dk;
        for (int i = 0; i < n; i += L) {
            int count = Math.min(L, n - i);
            long col = base + (long) i * es;
            FloatVector total = FloatVector.zero(F);
            for (int d0 = 0; d0 < dk; d0 += D_BLOCK) { // two chains per block of D_BLOCK dimensions
                FloatVector a0 = FloatVector.zero(F), a1 = a0;
                int d = d0, end = Math.min(dk, d0 + D_BLOCK);
                for (; d + 2 <= end; d += 2) {
                    a0 = loadPartial(k, col + d * rowBytes, bf16, count).fma(FloatVector.broadcast(F, qs[qo + d]), a0);
                    a1 = loadPartial(k, col + (d + 1) * rowBytes, bf16, count).fma(FloatVector.broadcast(F, qs[qo + d + 1]), a1);
                }
                if (d < end) a0 = loadPartial(k, col + d * rowBytes, bf16, count).fma(FloatVector.broadcast(F, qs[qo + d]), a0);
                total = total.add(a0.add(a1));
            }
            total.intoArray(sc, g * TILE + i, F.indexInRange(0, count));
        }
    }

    /**
     * {@code acc[g..g+1][c .. c+8L) += Σ_j p[g..g+1][j]·v_j[c .. c+8L)} over fp32 values: every V row
     * segment (8 vectors) is loaded once for two heads, rows in memory order. The tile's sum starts from
     * zero and is added to {@code acc} at the end, so a long split sums tile totals rather than one chain
     * over every token.
     */
    private static void accumulate2x8(float[] p, int g, int n, MemorySegment v, long base, long rowBytes, int c, int dv, float[] acc) {
        int o = g * dv + c, o1 = o + dv, p0 = g * TILE, p1 = p0 + TILE;
        long vb = (long) L * Float.BYTES, cb = (long) c * Float.BYTES;
        FloatVector z = FloatVector.zero(F);
        FloatVector a0 = z, a1 = z;
        FloatVector a2 = z, a3 = z;
        FloatVector a4 = z, a5 = z;
        FloatVector a6 = z, a7 = z;
        FloatVector b0 = z, b1 = z;
        FloatVector b2 = z, b3 = z;
        FloatVector b4 = z, b5 = z;
        FloatVector b6 = z, b7 = z;
        for (int j = 0; j < n; j++) {
            long r = base + j * rowBytes + cb;
            FloatVector w = FloatVector.broadcast(F, p[p0 + j]), x = FloatVector.broadcast(F, p[p1 + j]);
            FloatVector v0 = FloatVector.fromMemorySegment(F, v, r, LE); a0 = v0.fma(w, a0); b0 = v0.fma(x, b0);
            FloatVector v1 = FloatVector.fromMemorySegment(F, v, r + vb, LE); a1 = v1.fma(w, a1); b1 = v1.fma(x, b1);
            FloatVector v2 = FloatVector.fromMemorySegment(F, v, r + 2 * vb, LE); a2 = v2.fma(w, a2); b2 = v2.fma(x, b2);
            FloatVector v3 = FloatVector.fromMemorySegment(F, v, r + 3 * vb, LE); a3 = v3.fma(w, a3); b3 = v3.fma(x, b3);
            FloatVector v4 = FloatVector.fromMemorySegment(F, v, r + 4 * vb, LE); a4 = v4.fma(w, a4); b4 = v4.fma(x, b4);
            FloatVector v5 = FloatVector.fromMemorySegment(F, v, r + 5 * vb, LE); a5 = v5.fma(w, a5); b5 = v5.fma(x, b5);
            FloatVector v6 = FloatVector.fromMemorySegment(F, v, r + 6 * vb, LE); a6 = v6.fma(w, a6); b6 = v6.fma(x, b6);
            FloatVector v7 = FloatVector.fromMemorySegment(F, v, r + 7 * vb, LE); a7 = v7.fma(w, a7); b7 = v7.fma(x, b7);
        }
        addInto(a0, acc, o); addInto(a1, acc, o + L); addInto(a2, acc, o + 2 * L); addInto(a3, acc, o + 3 * L);
        addInto(a4, acc, o + 4 * L); addInto(a5, acc, o + 5 * L); addInto(a6, acc, o + 6 * L); addInto(a7, acc, o + 7 * L);
        addInto(b0, acc, o1); addInto(b1, acc, o1 + L); addInto(b2, acc, o1 + 2 * L); addInto(b3, acc, o1 + 3 * L);
        addInto(b4, acc, o1 + 4 * L); addInto(b5, acc, o1 + 5 * L); addInto(b6, acc, o1 + 6 * L); addInto(b7, acc, o1 + 7 * L);
    }

    /**
     * {@link #accumulate2x8} over half as many vectors (V rows of whole 64-value segments): the same sum per output
     * value (a tile total from zero, tokens in order, then added to {@code acc}), so the C kernel's bits too.
     */
    private static void accumulate2x4(float[] p, int g, int n, MemorySegment v, long base, long rowBytes, int c, int dv, float[] acc) {
        int o = g * dv + c, o1 = o + dv, p0 = g * TILE, p1 = p0 + TILE;
        long vb = (long) L * Float.BYTES, cb = (long) c * Float.BYTES;
        FloatVector z = FloatVector.zero(F);
        FloatVector a0 = z, a1 = z, a2 = z, a3 = z;
        FloatVector b0 = z, b1 = z, b2 = z, b3 = z;
        for (int j = 0; j < n; j++) {
            long r = base + j * rowBytes + cb;
            FloatVector w = FloatVector.broadcast(F, p[p0 + j]), x = FloatVector.broadcast(F, p[p1 + j]);
            FloatVector v0 = FloatVector.fromMemorySegment(F, v, r, LE); a0 = v0.fma(w, a0); b0 = v0.fma(x, b0);
            FloatVector v1 = FloatVector.fromMemorySegment(F, v, r + vb, LE); a1 = v1.fma(w, a1); b1 = v1.fma(x, b1);
            FloatVector v2 = FloatVector.fromMemorySegment(F, v, r + 2 * vb, LE); a2 = v2.fma(w, a2); b2 = v2.fma(x, b2);
            FloatVector v3 = FloatVector.fromMemorySegment(F, v, r + 3 * vb, LE); a3 = v3.fma(w, a3); b3 = v3.fma(x, b3);
        }
        addInto(a0, acc, o); addInto(a1, acc, o + L); addInto(a2, acc, o + 2 * L); addInto(a3, acc, o + 3 * L);
        addInto(b0, acc, o1); addInto(b1, acc, o1 + L); addInto(b2, acc, o1 + 2 * L); addInto(b3, acc, o1 + 3 * L);
    }

    /*
     * bf16 without a conversion instruction. One 512-bit load holds 32 bf16 values, two per int lane, and a
     * bf16 is the top half of the fp32 with the same bits: {@code lane << 16} is the even value as fp32 and
     * {@code lane & 0xFFFF0000} the odd one. Two cheap integer ops per 32 values, which Zen 4 runs beside the
     * FMAs (a widening conversion per 16 values would compete with them), at the price of order: the keys
     * of a tile come out as even tokens, then odd ones, and a value row as even dimensions, then odd ones.
     * The scores keep that order (softmax does not care; the V loop reads them through PAIRED), and the
     * output accumulators keep it until {@link #unpairDims} puts them back when the task ends.
     */

    /** Score slot of each token of a paired tile: in every 32 tokens, the 16 even ones first, then the 16 odd. */
    private static final int[] PAIRED = new int[TILE], NATURAL = new int[TILE];

    static {
        for (int j = 0; j < TILE; j++) {
            NATURAL[j] = j;
            PAIRED[j] = (j / 32) * 32 + (j % 2) * 16 + (j % 32) / 2;
        }
    }

    private static final int ODD_HALF = 0xFFFF0000;

    /**
     * Whether a task reads bf16 through the paired loops: the V loop always (so the output accumulators are in
     * paired order), the score loop on full tiles. Paired scores need the paired V loop to read them, so both
     * hang on this one condition (16 lanes: AVX-512; V rows of whole 8-vector segments; head pairs).
     */
    private static boolean pairedBf16(boolean bf16, int group, int dv) {
        return bf16 && L == 16 && group % 2 == 0 && dv % (V_VECTORS * L) == 0;
    }

    /**
     * {@link #scores4x64} over bf16 keys: per key dimension, the tile's 64 keys are two 512-bit loads, split into
     * four fp32 vectors (tokens 0, 2, .., 30; 1, 3, .., 31; 32, .., 62; 33, .., 63) by a shift and a mask.
     */
    private static void scores4x64Bf16(float[] qs, int g0, int dk, int d0, int d1, MemorySegment k, long base, long rowBytes, float[] sc, boolean first) {
        int q0 = g0 * dk, q1 = q0 + dk, q2 = q1 + dk, q3 = q2 + dk;
        long half = (long) L * Integer.BYTES; // 32 bf16 keys
        FloatVector z = FloatVector.zero(F);
        FloatVector a0 = z, a1 = z, a2 = z, a3 = z, b0 = z, b1 = z, b2 = z, b3 = z;
        FloatVector c0 = z, c1 = z, c2 = z, c3 = z, e0 = z, e1 = z, e2 = z, e3 = z;
        for (int d = d0; d < d1; d++) {
            long r = base + d * rowBytes;
            IntVector w = IntVector.fromMemorySegment(SplitKvDecodeCpu.I, k, r, LE), x = IntVector.fromMemorySegment(SplitKvDecodeCpu.I, k, r + half, LE);
            FloatVector k0 = w.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats(), k1 = w.and(ODD_HALF).reinterpretAsFloats();
            FloatVector k2 = x.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats(), k3 = x.and(ODD_HALF).reinterpretAsFloats();
            FloatVector q = FloatVector.broadcast(F, qs[q0 + d]);
            a0 = k0.fma(q, a0); a1 = k1.fma(q, a1); a2 = k2.fma(q, a2); a3 = k3.fma(q, a3);
            q = FloatVector.broadcast(F, qs[q1 + d]);
            b0 = k0.fma(q, b0); b1 = k1.fma(q, b1); b2 = k2.fma(q, b2); b3 = k3.fma(q, b3);
            q = FloatVector.broadcast(F, qs[q2 + d]);
            c0 = k0.fma(q, c0); c1 = k1.fma(q, c1); c2 = k2.fma(q, c2); c3 = k3.fma(q, c3);
            q = FloatVector.broadcast(F, qs[q3 + d]);
            e0 = k0.fma(q, e0); e1 = k1.fma(q, e1); e2 = k2.fma(q, e2); e3 = k3.fma(q, e3);
        }
        int o = g0 * TILE;
        if (first) {
            a0.intoArray(sc, o); a1.intoArray(sc, o + L); a2.intoArray(sc, o + 2 * L); a3.intoArray(sc, o + 3 * L);
            o += TILE;
            b0.intoArray(sc, o); b1.intoArray(sc, o + L); b2.intoArray(sc, o + 2 * L); b3.intoArray(sc, o + 3 * L);
            o += TILE;
            c0.intoArray(sc, o); c1.intoArray(sc, o + L); c2.intoArray(sc, o + 2 * L); c3.intoArray(sc, o + 3 * L);
            o += TILE;
            e0.intoArray(sc, o); e1.intoArray(sc, o + L); e2.intoArray(sc, o + 2 * L); e3.intoArray(sc, o + 3 * L);
        } else {
            addInto(a0, sc, o); addInto(a1, sc, o + L); addInto(a2, sc, o + 2 * L); addInto(a3, sc, o + 3 * L);
            o += TILE;
            addInto(b0, sc, o); addInto(b1, sc, o + L); addInto(b2, sc, o + 2 * L); addInto(b3, sc, o + 3 * L);
            o += TILE;
            addInto(c0, sc, o); addInto(c1, sc, o + L); addInto(c2, sc, o + 2 * L); addInto(c3, sc, o + 3 * L);
            o += TILE;
            addInto(e0, sc, o); addInto(e1, sc, o + L); addInto(e2, sc, o + 2 * L); addInto(e3, sc, o + 3 * L);
        }
    }

    /**
     * {@link #accumulate2x8} over bf16 values: a row segment of 128 dimensions is four 512-bit loads, eight fp32
     * vectors by shift and mask, into accumulators in paired order (per 32 dimensions: even, then odd). The
     * weight of token j is {@code p[order[j]]}: paired when the scores came from {@link #scores4x64Bf16}.
     */
    private static void accumulate2x8Bf16(float[] p, int[] order, int g, int n, MemorySegment v, long base, long rowBytes, int c, int dv, float[] acc) {
        int o = g * dv + c, o1 = o + dv, p0 = g * TILE, p1 = p0 + TILE;
        long vb = (long) L * Integer.BYTES, cb = (long) c * Short.BYTES;
        FloatVector z = FloatVector.zero(F);
        FloatVector a0 = z, a1 = z;
        FloatVector a2 = z, a3 = z;
        FloatVector a4 = z, a5 = z;
        FloatVector a6 = z, a7 = z;
        FloatVector b0 = z, b1 = z;
        FloatVector b2 = z, b3 = z;
        FloatVector b4 = z, b5 = z;
        FloatVector b6 = z, b7 = z;
        for (int j = 0; j < n; j++) {
            long r = base + j * rowBytes + cb;
            int at = order[j];
            FloatVector w = FloatVector.broadcast(F, p[p0 + at]), x = FloatVector.broadcast(F, p[p1 + at]);
            IntVector u = IntVector.fromMemorySegment(SplitKvDecodeCpu.I, v, r, LE);
            FloatVector v0 = u.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats(); a0 = v0.fma(w, a0); b0 = v0.fma(x, b0);
            FloatVector v1 = u.and(ODD_HALF).reinterpretAsFloats(); a1 = v1.fma(w, a1); b1 = v1.fma(x, b1);
            u = IntVector.fromMemorySegment(SplitKvDecodeCpu.I, v, r + vb, LE);
            FloatVector v2 = u.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats(); a2 = v2.fma(w, a2); b2 = v2.fma(x, b2);
            FloatVector v3 = u.and(ODD_HALF).reinterpretAsFloats(); a3 = v3.fma(w, a3); b3 = v3.fma(x, b3);
            u = IntVector.fromMemorySegment(SplitKvDecodeCpu.I, v, r + 2 * vb, LE);
            FloatVector v4 = u.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats(); a4 = v4.fma(w, a4); b4 = v4.fma(x, b4);
            FloatVector v5 = u.and(ODD_HALF).reinterpretAsFloats(); a5 = v5.fma(w, a5); b5 = v5.fma(x, b5);
            u = IntVector.fromMemorySegment(SplitKvDecodeCpu.I, v, r + 3 * vb, LE);
            FloatVector v6 = u.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats(); a6 = v6.fma(w, a6); b6 = v6.fma(x, b6);
            FloatVector v7 = u.and(ODD_HALF).reinterpretAsFloats(); a7 = v7.fma(w, a7); b7 = v7.fma(x, b7);
        }
        addInto(a0, acc, o); addInto(a1, acc, o + L); addInto(a2, acc, o + 2 * L); addInto(a3, acc, o + 3 * L);
        addInto(a4, acc, o + 4 * L); addInto(a5, acc, o + 5 * L); addInto(a6, acc, o + 6 * L); addInto(a7, acc, o + 7 * L);
        addInto(b0, acc, o1); addInto(b1, acc, o1 + L); addInto(b2, acc, o1 + 2 * L); addInto(b3, acc, o1 + 3 * L);
        addInto(b4, acc, o1 + 4 * L); addInto(b5, acc, o1 + 5 * L); addInto(b6, acc, o1 + 6 * L); addInto(b7, acc, o1 + 7 * L);
    }

    /** Puts paired accumulators (per 32 dimensions: 16 even, then 16 odd) back into dimension order, in place. */
    static void unpairDims(float[] acc, int length) {
        float[] block = new float[32];
        for (int base = 0; base < length; base += 32) {
            for (int i = 0; i < 16; i++) {
                block[2 * i] = acc[base + i];
                block[2 * i + 1] = acc[base + 16 + i];
            }
            System.arraycopy(block, 0, acc, base, 32);
        }
    }

    /** The first {@code count} (≤ L) values at {@code byteOffset} as fp32, zeros beyond; never reads past them. */
    private static FloatVector loadPartial(MemorySegment seg, long byteOffset, boolean bf16, int count) {
        if (count == L) return load(seg, byteOffset, bf16);
        if (!bf16) return FloatVector.fromMemorySegment(F, seg, byteOffset, LE, F.indexInRange(0, count));
        VectorMask<Short> mask = S.indexInRange(0, count);
        ShortVector h = ShortVector.fromMemorySegment(S, seg, byteOffset, LE, mask);
        return ((IntVector) h.convertShape(VectorOperators.S2I, SplitKvDecodeCpu.I, 0)).lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
    }
}
