package dev.kiln.attention.cpu;

import dev.kiln.device.cpu.CpuLaunch;
import dev.kiln.device.cpu.CpuParallel;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Split-KV decode attention on the CPU, the same contract as {@code split_kv_decode} in
 * {@code kernels/opencl/attention.cl}. One task is (sequence, KV head, split): it keeps the query heads
 * of its group in registers' reach and streams that head's K/V pages once, in tiles of {@value #TILE}
 * tokens. Scores live only for one tile (online softmax: running max and sum per head), the exponentials
 * are vectorised, and V is accumulated by all heads of the group while the tile is still in L1.
 */
final class SplitKvDecodeCpu {
    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, F.vectorShape());
    static final VectorSpecies<Short> S = VectorSpecies.of(short.class, VectorShape.forBitSize(F.length() * 16));
    static final int L = F.length();
    static final int TILE = 64;
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(LE);
    private static final ValueLayout.OfShort B16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(LE);

    private SplitKvDecodeCpu() {}

    /** Per-thread off-heap tile buffers (one K and one V tile), grown on demand. */
    private static final class TileBuffers {
        MemorySegment k = MemorySegment.NULL, v = MemorySegment.NULL;

        TileBuffers ensure(long kBytes, long vBytes) {
            if (k.byteSize() < kBytes) k = java.lang.foreign.Arena.ofAuto().allocate(kBytes, 64);
            if (v.byteSize() < vBytes) v = java.lang.foreign.Arena.ofAuto().allocate(vBytes, 64);
            return this;
        }
    }

    private static final ThreadLocal<TileBuffers> TILES = ThreadLocal.withInitial(TileBuffers::new);

    /** Per-thread scratch, grown on demand: one task's scaled queries, tile scores and accumulators. */
    private static final ThreadLocal<float[][]> SCRATCH = ThreadLocal.withInitial(() -> new float[3][0]);

    static void run(CpuLaunch l) {
        DecodeArgs a = DecodeArgs.of(l);
        MemorySegment kPool = a.kPool(), vPool = a.vPool(), table = a.table();
        int hkv = a.hkv(), dk = a.dk(), dv = a.dv(), blockSize = a.blockSize(), maxBlocks = a.maxBlocks();
        int splits = a.splits(), vStride = a.vStride(), group = a.group(), esize = a.elementBytes();
        boolean bf16 = a.bf16();
        CpuParallel.forEach(a.batch() * hkv * splits, task -> {
            int split = task % splits, kvh = (task / splits) % hkv, b = task / (splits * hkv);
            int t0 = a.splitStart(b, split), t1 = a.splitEnd(b, split);
            float[][] s = SCRATCH.get();
            // the thread's scratch may come from another shape: each of the three must be large enough for this one
            if (s[0].length < group * dk || s[1].length < group * TILE || s[2].length < group * dv) {
                s[0] = new float[group * Math.max(dk, 1)];
                s[1] = new float[group * TILE];
                s[2] = new float[group * dv];
            }
            float[] qs = s[0], sc = s[1], acc = s[2];
            a.scaledQueries(b, kvh, qs);
            java.util.Arrays.fill(acc, 0, group * dv, 0f);
            float[] m = new float[group], sum = new float[group];
            java.util.Arrays.fill(m, Float.NEGATIVE_INFINITY);
            boolean latent = vPool.address() == kPool.address() && vStride == dk;
            TileBuffers tb = TILES.get().ensure((long) TILE * dk * esize, latent ? 0 : (long) TILE * vStride * esize);
            for (int t = t0; t < t1; ) {
                int block = t / blockSize, slot = t % blockSize;
                int n = Math.min(TILE, Math.min(blockSize - slot, t1 - t));
                int page = table.getAtIndex(ValueLayout.JAVA_INT, (long) b * maxBlocks + block);
                long row = ((long) page * hkv + kvh) * blockSize + slot;
                // Stream the tile into L1-resident scratch with one bulk copy: back-to-back loads keep many
                // cache misses in flight (as the read ceiling does), which the FMA-dense loops below cannot.
                MemorySegment kt = tb.k, vt = latent ? tb.k : tb.v;
                MemorySegment.copy(kPool, row * dk * esize, kt, 0, (long) n * dk * esize);
                if (!latent) MemorySegment.copy(vPool, row * vStride * esize, vt, 0, (long) n * vStride * esize);
                long kRowBytes = (long) dk * esize, vRowBytes = (long) vStride * esize;
                if (group % 4 == 0) {
                    for (int g0 = 0; g0 < group; g0 += 4) scores4(qs, g0, dk, kt, 0, kRowBytes, n, sc, bf16);
                } else if (bf16) {
                    scoresBf16(qs, group, dk, kt, 0, kRowBytes, n, sc);
                } else {
                    scoresF32(qs, group, dk, kt, 0, kRowBytes, n, sc);
                }
                softmaxTile(sc, group, n, m, sum, acc, dv);
                if (group % 4 == 0) {
                    for (int g0 = 0; g0 < group; g0 += 4) accumulate4(sc, g0, n, vt, 0, vRowBytes, dv, acc, bf16);
                } else if (bf16) {
                    accumulateBf16(sc, group, n, vt, 0, vRowBytes, dv, acc);
                } else {
                    accumulateF32(sc, group, n, vt, 0, vRowBytes, dv, acc);
                }
                t += n;
            }
            a.writeStates(b, kvh, split, acc, m, sum);
        });
    }

    /** sc[g][j] = q_g · k_j for the n rows of the tile, four keys at a time for independent FMA chains. */
    private static void scoresF32(float[] qs, int group, int dk, MemorySegment k, long base, long rowBytes, int n, float[] sc) {
        int j = 0;
        for (; j + 4 <= n; j += 4) {
            long r0 = base + j * rowBytes, r1 = r0 + rowBytes, r2 = r1 + rowBytes, r3 = r2 + rowBytes;
            for (int g = 0; g < group; g++) {
                int qo = g * dk;
                FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
                int d = 0;
                for (; d + L <= dk; d += L) {
                    FloatVector qv = FloatVector.fromArray(F, qs, qo + d);
                    long off = (long) d * 4;
                    a0 = FloatVector.fromMemorySegment(F, k, r0 + off, LE).fma(qv, a0);
                    a1 = FloatVector.fromMemorySegment(F, k, r1 + off, LE).fma(qv, a1);
                    a2 = FloatVector.fromMemorySegment(F, k, r2 + off, LE).fma(qv, a2);
                    a3 = FloatVector.fromMemorySegment(F, k, r3 + off, LE).fma(qv, a3);
                }
                float s0 = a0.reduceLanes(VectorOperators.ADD), s1 = a1.reduceLanes(VectorOperators.ADD);
                float s2 = a2.reduceLanes(VectorOperators.ADD), s3 = a3.reduceLanes(VectorOperators.ADD);
                for (; d < dk; d++) {
                    float qd = qs[qo + d];
                    s0 += qd * k.get(F32, r0 + d * 4L);
                    s1 += qd * k.get(F32, r1 + d * 4L);
                    s2 += qd * k.get(F32, r2 + d * 4L);
                    s3 += qd * k.get(F32, r3 + d * 4L);
                }
                int o = g * TILE + j;
                sc[o] = s0; sc[o + 1] = s1; sc[o + 2] = s2; sc[o + 3] = s3;
            }
        }
        for (; j < n; j++) {
            long r = base + j * rowBytes;
            for (int g = 0; g < group; g++) {
                int qo = g * dk;
                FloatVector a = FloatVector.zero(F);
                int d = 0;
                for (; d + L <= dk; d += L) a = FloatVector.fromMemorySegment(F, k, r + d * 4L, LE).fma(FloatVector.fromArray(F, qs, qo + d), a);
                float s = a.reduceLanes(VectorOperators.ADD);
                for (; d < dk; d++) s += qs[qo + d] * k.get(F32, r + d * 4L);
                sc[g * TILE + j] = s;
            }
        }
    }

    private static void scoresBf16(float[] qs, int group, int dk, MemorySegment k, long base, long rowBytes, int n, float[] sc) {
        int j = 0;
        for (; j + 4 <= n; j += 4) {
            long r0 = base + j * rowBytes, r1 = r0 + rowBytes, r2 = r1 + rowBytes, r3 = r2 + rowBytes;
            for (int g = 0; g < group; g++) {
                int qo = g * dk;
                FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
                int d = 0;
                for (; d + L <= dk; d += L) {
                    FloatVector qv = FloatVector.fromArray(F, qs, qo + d);
                    long off = (long) d * 2;
                    a0 = bf16(k, r0 + off).fma(qv, a0);
                    a1 = bf16(k, r1 + off).fma(qv, a1);
                    a2 = bf16(k, r2 + off).fma(qv, a2);
                    a3 = bf16(k, r3 + off).fma(qv, a3);
                }
                float s0 = a0.reduceLanes(VectorOperators.ADD), s1 = a1.reduceLanes(VectorOperators.ADD);
                float s2 = a2.reduceLanes(VectorOperators.ADD), s3 = a3.reduceLanes(VectorOperators.ADD);
                for (; d < dk; d++) {
                    float qd = qs[qo + d];
                    s0 += qd * bf16Scalar(k, r0 + d * 2L);
                    s1 += qd * bf16Scalar(k, r1 + d * 2L);
                    s2 += qd * bf16Scalar(k, r2 + d * 2L);
                    s3 += qd * bf16Scalar(k, r3 + d * 2L);
                }
                int o = g * TILE + j;
                sc[o] = s0; sc[o + 1] = s1; sc[o + 2] = s2; sc[o + 3] = s3;
            }
        }
        for (; j < n; j++) {
            long r = base + j * rowBytes;
            for (int g = 0; g < group; g++) {
                int qo = g * dk;
                FloatVector a = FloatVector.zero(F);
                int d = 0;
                for (; d + L <= dk; d += L) a = bf16(k, r + d * 2L).fma(FloatVector.fromArray(F, qs, qo + d), a);
                float s = a.reduceLanes(VectorOperators.ADD);
                for (; d < dk; d++) s += qs[qo + d] * bf16Scalar(k, r + d * 2L);
                sc[g * TILE + j] = s;
            }
        }
    }

    /**
     * Online-softmax step for one tile: new running max, rescale of the old sum and accumulator by
     * e^(m_old − m_new), and the tile's scores replaced in place by their weights e^(s − m_new).
     */
    static void softmaxTile(float[] sc, int group, int n, float[] m, float[] sum, float[] acc, int dv) {
        int span = Math.ceilDiv(n, L) * L; // whole vectors covering the tile's n scores
        for (int g = 0; g < group; g++) {
            int o = g * TILE;
            for (int j = n; j < span; j++) sc[o + j] = Float.NEGATIVE_INFINITY;
            FloatVector mx = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
            for (int j = 0; j < span; j += L) mx = mx.max(FloatVector.fromArray(F, sc, o + j));
            float tileMax = mx.reduceLanes(VectorOperators.MAX);
            float mNew = Math.max(m[g], tileMax); // NaN if either is NaN (Math.max and the vector MAX propagate it)
            float tileSum = SoftmaxExp.expInPlace(sc, o, span, mNew);
            // A NaN max takes the rescale branch too: alpha = e^NaN makes the sum and the accumulator NaN, as IEEE would.
            if (mNew > m[g] || Float.isNaN(mNew)) {
                float alpha = (float) StrictMath.exp(m[g] - mNew);
                sum[g] = sum[g] * alpha + tileSum;
                if (alpha != 1f) scale(acc, g * dv, dv, alpha);
                m[g] = mNew;
            } else {
                sum[g] += tileSum;
            }
        }
    }

    private static void scale(float[] acc, int off, int n, float alpha) {
        int d = 0;
        for (; d + L <= n; d += L) FloatVector.fromArray(F, acc, off + d).mul(alpha).intoArray(acc, off + d);
        for (; d < n; d++) acc[off + d] *= alpha;
    }

    /** acc[g] += Σ_j p[g][j]·v_j, four output vectors at a time so the FMA chains run side by side. */
    static void accumulateF32(float[] p, int group, int n, MemorySegment v, long base, long rowBytes, int dv, float[] acc) {
        int c = 0;
        for (; c + 4 * L <= dv; c += 4 * L) {
            long cb = (long) c * 4;
            for (int g = 0; g < group; g++) {
                int ao = g * dv + c, po = g * TILE;
                FloatVector a0 = FloatVector.fromArray(F, acc, ao), a1 = FloatVector.fromArray(F, acc, ao + L);
                FloatVector a2 = FloatVector.fromArray(F, acc, ao + 2 * L), a3 = FloatVector.fromArray(F, acc, ao + 3 * L);
                for (int j = 0; j < n; j++) {
                    FloatVector w = FloatVector.broadcast(F, p[po + j]);
                    long r = base + j * rowBytes + cb;
                    a0 = FloatVector.fromMemorySegment(F, v, r, LE).fma(w, a0);
                    a1 = FloatVector.fromMemorySegment(F, v, r + 4L * L, LE).fma(w, a1);
                    a2 = FloatVector.fromMemorySegment(F, v, r + 8L * L, LE).fma(w, a2);
                    a3 = FloatVector.fromMemorySegment(F, v, r + 12L * L, LE).fma(w, a3);
                }
                a0.intoArray(acc, ao); a1.intoArray(acc, ao + L); a2.intoArray(acc, ao + 2 * L); a3.intoArray(acc, ao + 3 * L);
            }
        }
        for (; c + L <= dv; c += L) {
            for (int g = 0; g < group; g++) {
                int ao = g * dv + c, po = g * TILE;
                FloatVector a = FloatVector.fromArray(F, acc, ao);
                for (int j = 0; j < n; j++) a = FloatVector.fromMemorySegment(F, v, base + j * rowBytes + c * 4L, LE).fma(FloatVector.broadcast(F, p[po + j]), a);
                a.intoArray(acc, ao);
            }
        }
        for (; c < dv; c++) {
            for (int g = 0; g < group; g++) {
                float a = acc[g * dv + c];
                for (int j = 0; j < n; j++) a += p[g * TILE + j] * v.get(F32, base + j * rowBytes + c * 4L);
                acc[g * dv + c] = a;
            }
        }
    }

    static void accumulateBf16(float[] p, int group, int n, MemorySegment v, long base, long rowBytes, int dv, float[] acc) {
        int c = 0;
        for (; c + 4 * L <= dv; c += 4 * L) {
            long cb = (long) c * 2;
            for (int g = 0; g < group; g++) {
                int ao = g * dv + c, po = g * TILE;
                FloatVector a0 = FloatVector.fromArray(F, acc, ao), a1 = FloatVector.fromArray(F, acc, ao + L);
                FloatVector a2 = FloatVector.fromArray(F, acc, ao + 2 * L), a3 = FloatVector.fromArray(F, acc, ao + 3 * L);
                for (int j = 0; j < n; j++) {
                    FloatVector w = FloatVector.broadcast(F, p[po + j]);
                    long r = base + j * rowBytes + cb;
                    a0 = bf16(v, r).fma(w, a0);
                    a1 = bf16(v, r + 2L * L).fma(w, a1);
                    a2 = bf16(v, r + 4L * L).fma(w, a2);
                    a3 = bf16(v, r + 6L * L).fma(w, a3);
                }
                a0.intoArray(acc, ao); a1.intoArray(acc, ao + L); a2.intoArray(acc, ao + 2 * L); a3.intoArray(acc, ao + 3 * L);
            }
        }
        for (; c + L <= dv; c += L) {
            for (int g = 0; g < group; g++) {
                int ao = g * dv + c, po = g * TILE;
                FloatVector a = FloatVector.fromArray(F, acc, ao);
                for (int j = 0; j < n; j++) a = bf16(v, base + j * rowBytes + c * 2L).fma(FloatVector.broadcast(F, p[po + j]), a);
                a.intoArray(acc, ao);
            }
        }
        for (; c < dv; c++) {
            for (int g = 0; g < group; g++) {
                float a = acc[g * dv + c];
                for (int j = 0; j < n; j++) a += p[g * TILE + j] * bf16Scalar(v, base + j * rowBytes + c * 2L);
                acc[g * dv + c] = a;
            }
        }
    }

    /** L fp32 values, from fp32 or bf16 storage. */
    static FloatVector load(MemorySegment seg, long byteOffset, boolean bf16) {
        return bf16 ? bf16(seg, byteOffset) : FloatVector.fromMemorySegment(F, seg, byteOffset, LE);
    }

    static float loadScalar(MemorySegment seg, long byteOffset, boolean bf16) {
        return bf16 ? bf16Scalar(seg, byteOffset) : seg.get(F32, byteOffset);
    }

    /**
     * Scores of four query heads (g0..g0+3) that share the KV head, two keys at a time: each K vector
     * loaded (and widened, for bf16) once feeds four FMAs, eight accumulators in flight.
     */
    private static void scores4(float[] qs, int g0, int dk, MemorySegment k, long base, long rowBytes, int n, float[] sc, boolean bf16) {
        int es = bf16 ? 2 : 4;
        int q0 = g0 * dk, q1 = q0 + dk, q2 = q1 + dk, q3 = q2 + dk;
        int j = 0;
        for (; j + 2 <= n; j += 2) {
            long r0 = base + j * rowBytes, r1 = r0 + rowBytes;
            FloatVector a00 = FloatVector.zero(F), a01 = a00, a10 = a00, a11 = a00, a20 = a00, a21 = a00, a30 = a00, a31 = a00;
            int d = 0;
            for (; d + L <= dk; d += L) {
                FloatVector k0 = load(k, r0 + (long) d * es, bf16), k1 = load(k, r1 + (long) d * es, bf16);
                FloatVector x0 = FloatVector.fromArray(F, qs, q0 + d), x1 = FloatVector.fromArray(F, qs, q1 + d);
                FloatVector x2 = FloatVector.fromArray(F, qs, q2 + d), x3 = FloatVector.fromArray(F, qs, q3 + d);
                a00 = k0.fma(x0, a00); a01 = k1.fma(x0, a01);
                a10 = k0.fma(x1, a10); a11 = k1.fma(x1, a11);
                a20 = k0.fma(x2, a20); a21 = k1.fma(x2, a21);
                a30 = k0.fma(x3, a30); a31 = k1.fma(x3, a31);
            }
            float s00 = a00.reduceLanes(VectorOperators.ADD), s01 = a01.reduceLanes(VectorOperators.ADD);
            float s10 = a10.reduceLanes(VectorOperators.ADD), s11 = a11.reduceLanes(VectorOperators.ADD);
            float s20 = a20.reduceLanes(VectorOperators.ADD), s21 = a21.reduceLanes(VectorOperators.ADD);
            float s30 = a30.reduceLanes(VectorOperators.ADD), s31 = a31.reduceLanes(VectorOperators.ADD);
            for (; d < dk; d++) {
                float k0 = loadScalar(k, r0 + (long) d * es, bf16), k1 = loadScalar(k, r1 + (long) d * es, bf16);
                s00 += qs[q0 + d] * k0; s01 += qs[q0 + d] * k1;
                s10 += qs[q1 + d] * k0; s11 += qs[q1 + d] * k1;
                s20 += qs[q2 + d] * k0; s21 += qs[q2 + d] * k1;
                s30 += qs[q3 + d] * k0; s31 += qs[q3 + d] * k1;
            }
            int o = g0 * TILE + j;
            sc[o] = s00; sc[o + 1] = s01;
            sc[o + TILE] = s10; sc[o + TILE + 1] = s11;
            sc[o + 2 * TILE] = s20; sc[o + 2 * TILE + 1] = s21;
            sc[o + 3 * TILE] = s30; sc[o + 3 * TILE + 1] = s31;
        }
        for (; j < n; j++) {
            long r = base + j * rowBytes;
            for (int g = g0; g < g0 + 4; g++) {
                FloatVector a = FloatVector.zero(F);
                int d = 0;
                for (; d + L <= dk; d += L) a = load(k, r + (long) d * es, bf16).fma(FloatVector.fromArray(F, qs, g * dk + d), a);
                float s = a.reduceLanes(VectorOperators.ADD);
                for (; d < dk; d++) s += qs[g * dk + d] * loadScalar(k, r + (long) d * es, bf16);
                sc[g * TILE + j] = s;
            }
        }
    }

    /** acc[g] += Σ_j p[g][j]·v_j for four heads at once, two output vectors each: every V vector loaded once per four FMAs. */
    static void accumulate4(float[] p, int g0, int n, MemorySegment v, long base, long rowBytes, int dv, float[] acc, boolean bf16) {
        int es = bf16 ? 2 : 4;
        int o0 = g0 * dv, o1 = o0 + dv, o2 = o1 + dv, o3 = o2 + dv;
        int p0 = g0 * TILE, p1 = p0 + TILE, p2 = p1 + TILE, p3 = p2 + TILE;
        int c = 0;
        for (; c + 2 * L <= dv; c += 2 * L) {
            FloatVector a00 = FloatVector.fromArray(F, acc, o0 + c), a01 = FloatVector.fromArray(F, acc, o0 + c + L);
            FloatVector a10 = FloatVector.fromArray(F, acc, o1 + c), a11 = FloatVector.fromArray(F, acc, o1 + c + L);
            FloatVector a20 = FloatVector.fromArray(F, acc, o2 + c), a21 = FloatVector.fromArray(F, acc, o2 + c + L);
            FloatVector a30 = FloatVector.fromArray(F, acc, o3 + c), a31 = FloatVector.fromArray(F, acc, o3 + c + L);
            long cb = (long) c * es;
            for (int j = 0; j < n; j++) {
                long r = base + j * rowBytes + cb;
                FloatVector v0 = load(v, r, bf16), v1 = load(v, r + (long) L * es, bf16);
                FloatVector w0 = FloatVector.broadcast(F, p[p0 + j]), w1 = FloatVector.broadcast(F, p[p1 + j]);
                FloatVector w2 = FloatVector.broadcast(F, p[p2 + j]), w3 = FloatVector.broadcast(F, p[p3 + j]);
                a00 = v0.fma(w0, a00); a01 = v1.fma(w0, a01);
                a10 = v0.fma(w1, a10); a11 = v1.fma(w1, a11);
                a20 = v0.fma(w2, a20); a21 = v1.fma(w2, a21);
                a30 = v0.fma(w3, a30); a31 = v1.fma(w3, a31);
            }
            a00.intoArray(acc, o0 + c); a01.intoArray(acc, o0 + c + L);
            a10.intoArray(acc, o1 + c); a11.intoArray(acc, o1 + c + L);
            a20.intoArray(acc, o2 + c); a21.intoArray(acc, o2 + c + L);
            a30.intoArray(acc, o3 + c); a31.intoArray(acc, o3 + c + L);
        }
        for (; c < dv; c++) {
            for (int g = g0; g < g0 + 4; g++) {
                float a = acc[g * dv + c];
                for (int j = 0; j < n; j++) a += p[g * TILE + j] * loadScalar(v, base + j * rowBytes + (long) c * es, bf16);
                acc[g * dv + c] = a;
            }
        }
    }

    /** L bf16 values widened to fp32: sign-extend to int, shift into the high half. */
    static FloatVector bf16(MemorySegment seg, long byteOffset) {
        ShortVector h = ShortVector.fromMemorySegment(S, seg, byteOffset, LE);
        return ((IntVector) h.convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
    }

    static float bf16Scalar(MemorySegment seg, long byteOffset) {
        return Float.intBitsToFloat((seg.get(B16, byteOffset) & 0xFFFF) << 16);
    }
}
