package dev.kiln.tconv.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * The fp32 register tiles every cpu tconv kernel is built from: {@code P} pixels × an output-channel block
 * of {@code V} vectors, accumulated over {@code ic} with broadcast-FMA (one input scalar times a vector of
 * output channels). Accumulators live in registers for the whole reduction; the caller's float[] holds
 * them between taps. Weights are packed {@code [c][block]} so that one block row is {@code V} contiguous vectors.
 *
 * <p>Arguments: input {@code x} at byte offset {@code xo}, next pixel {@code xs} bytes further; packed weights
 * {@code w} at byte offset {@code wo}, row pitch {@code block} floats; accumulators {@code acc[ao + p·as + lane]}.
 */
final class Fp32Tiles {
    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    static final int L = F.length();
    private static final ValueLayout.OfFloat FL = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final ByteOrder NO = ByteOrder.nativeOrder();

    private Fp32Tiles() {}

    /** Output channels per block: one vector when Oc fits in one, else two. */
    static int block(int oc) { return oc <= L ? L : 2 * L; }

    /**
     * Two rows × four pixels (8 pairs), two vectors of channels: 16 accumulators, 2 weight vectors, 1 broadcast.
     * Pixel {@code i} of row {@code r} reads {@code xr + i·xs} and accumulates at {@code or + i·as}; only six
     * addressing registers, so nothing spills. Each weight vector feeds 8 FMAs.
     */
    static void p2x4v2(MemorySegment x, long xa, long xb, long xs, int ic, MemorySegment w, long wo, int block, float[] acc, int oa, int ob, int as) {
        FloatVector a000 = FloatVector.fromArray(F, acc, oa + 0 * as), a001 = FloatVector.fromArray(F, acc, oa + 0 * as + L);
        FloatVector a010 = FloatVector.fromArray(F, acc, oa + 1 * as), a011 = FloatVector.fromArray(F, acc, oa + 1 * as + L);
        FloatVector a020 = FloatVector.fromArray(F, acc, oa + 2 * as), a021 = FloatVector.fromArray(F, acc, oa + 2 * as + L);
        FloatVector a030 = FloatVector.fromArray(F, acc, oa + 3 * as), a031 = FloatVector.fromArray(F, acc, oa + 3 * as + L);
        FloatVector a100 = FloatVector.fromArray(F, acc, ob + 0 * as), a101 = FloatVector.fromArray(F, acc, ob + 0 * as + L);
        FloatVector a110 = FloatVector.fromArray(F, acc, ob + 1 * as), a111 = FloatVector.fromArray(F, acc, ob + 1 * as + L);
        FloatVector a120 = FloatVector.fromArray(F, acc, ob + 2 * as), a121 = FloatVector.fromArray(F, acc, ob + 2 * as + L);
        FloatVector a130 = FloatVector.fromArray(F, acc, ob + 3 * as), a131 = FloatVector.fromArray(F, acc, ob + 3 * as + L);
        long wstep = (long) block * 4;
        for (int c = 0; c < ic; c++, wo += wstep) {
            FloatVector w0 = FloatVector.fromMemorySegment(F, w, wo, NO);
            FloatVector w1 = FloatVector.fromMemorySegment(F, w, wo + 4L * L, NO);
            long pa = xa + 4L * c, pb = xb + 4L * c;
            FloatVector b;
            b = FloatVector.broadcast(F, x.get(FL, pa));
            a000 = b.fma(w0, a000);
            a001 = b.fma(w1, a001);
            b = FloatVector.broadcast(F, x.get(FL, pa + 1 * xs));
            a010 = b.fma(w0, a010);
            a011 = b.fma(w1, a011);
            b = FloatVector.broadcast(F, x.get(FL, pa + 2 * xs));
            a020 = b.fma(w0, a020);
            a021 = b.fma(w1, a021);
            b = FloatVector.broadcast(F, x.get(FL, pa + 3 * xs));
            a030 = b.fma(w0, a030);
            a031 = b.fma(w1, a031);
            b = FloatVector.broadcast(F, x.get(FL, pb));
            a100 = b.fma(w0, a100);
            a101 = b.fma(w1, a101);
            b = FloatVector.broadcast(F, x.get(FL, pb + 1 * xs));
            a110 = b.fma(w0, a110);
            a111 = b.fma(w1, a111);
            b = FloatVector.broadcast(F, x.get(FL, pb + 2 * xs));
            a120 = b.fma(w0, a120);
            a121 = b.fma(w1, a121);
            b = FloatVector.broadcast(F, x.get(FL, pb + 3 * xs));
            a130 = b.fma(w0, a130);
            a131 = b.fma(w1, a131);
        }
        a000.intoArray(acc, oa + 0 * as);
        a001.intoArray(acc, oa + 0 * as + L);
        a010.intoArray(acc, oa + 1 * as);
        a011.intoArray(acc, oa + 1 * as + L);
        a020.intoArray(acc, oa + 2 * as);
        a021.intoArray(acc, oa + 2 * as + L);
        a030.intoArray(acc, oa + 3 * as);
        a031.intoArray(acc, oa + 3 * as + L);
        a100.intoArray(acc, ob + 0 * as);
        a101.intoArray(acc, ob + 0 * as + L);
        a110.intoArray(acc, ob + 1 * as);
        a111.intoArray(acc, ob + 1 * as + L);
        a120.intoArray(acc, ob + 2 * as);
        a121.intoArray(acc, ob + 2 * as + L);
        a130.intoArray(acc, ob + 3 * as);
        a131.intoArray(acc, ob + 3 * as + L);
    }

    /**
     * Eight (pixel, accumulator) pairs at explicit offsets, two vectors of channels: 16 accumulators, two
     * weight vectors and one broadcast live in registers (19 of AVX-512's 32). Each weight vector feeds 8 FMAs.
     */
    static void p8v2(MemorySegment x, long[] xo, int ic, MemorySegment w, long wo, int block, float[] acc, int[] ao) {
        long x0 = xo[0], x1 = xo[1], x2 = xo[2], x3 = xo[3], x4 = xo[4], x5 = xo[5], x6 = xo[6], x7 = xo[7];
        int o0 = ao[0], o1 = ao[1], o2 = ao[2], o3 = ao[3], o4 = ao[4], o5 = ao[5], o6 = ao[6], o7 = ao[7];
        FloatVector a00 = FloatVector.fromArray(F, acc, o0), a01 = FloatVector.fromArray(F, acc, o0 + L);
        FloatVector a10 = FloatVector.fromArray(F, acc, o1), a11 = FloatVector.fromArray(F, acc, o1 + L);
        FloatVector a20 = FloatVector.fromArray(F, acc, o2), a21 = FloatVector.fromArray(F, acc, o2 + L);
        FloatVector a30 = FloatVector.fromArray(F, acc, o3), a31 = FloatVector.fromArray(F, acc, o3 + L);
        FloatVector a40 = FloatVector.fromArray(F, acc, o4), a41 = FloatVector.fromArray(F, acc, o4 + L);
        FloatVector a50 = FloatVector.fromArray(F, acc, o5), a51 = FloatVector.fromArray(F, acc, o5 + L);
        FloatVector a60 = FloatVector.fromArray(F, acc, o6), a61 = FloatVector.fromArray(F, acc, o6 + L);
        FloatVector a70 = FloatVector.fromArray(F, acc, o7), a71 = FloatVector.fromArray(F, acc, o7 + L);
        long wstep = (long) block * 4;
        for (int c = 0; c < ic; c++, wo += wstep) {
            FloatVector w0 = FloatVector.fromMemorySegment(F, w, wo, NO);
            FloatVector w1 = FloatVector.fromMemorySegment(F, w, wo + 4L * L, NO);
            long cb = 4L * c;
            FloatVector b;
            b = FloatVector.broadcast(F, x.get(FL, x0 + cb));
            a00 = b.fma(w0, a00);
            a01 = b.fma(w1, a01);
            b = FloatVector.broadcast(F, x.get(FL, x1 + cb));
            a10 = b.fma(w0, a10);
            a11 = b.fma(w1, a11);
            b = FloatVector.broadcast(F, x.get(FL, x2 + cb));
            a20 = b.fma(w0, a20);
            a21 = b.fma(w1, a21);
            b = FloatVector.broadcast(F, x.get(FL, x3 + cb));
            a30 = b.fma(w0, a30);
            a31 = b.fma(w1, a31);
            b = FloatVector.broadcast(F, x.get(FL, x4 + cb));
            a40 = b.fma(w0, a40);
            a41 = b.fma(w1, a41);
            b = FloatVector.broadcast(F, x.get(FL, x5 + cb));
            a50 = b.fma(w0, a50);
            a51 = b.fma(w1, a51);
            b = FloatVector.broadcast(F, x.get(FL, x6 + cb));
            a60 = b.fma(w0, a60);
            a61 = b.fma(w1, a61);
            b = FloatVector.broadcast(F, x.get(FL, x7 + cb));
            a70 = b.fma(w0, a70);
            a71 = b.fma(w1, a71);
        }
        a00.intoArray(acc, o0);
        a01.intoArray(acc, o0 + L);
        a10.intoArray(acc, o1);
        a11.intoArray(acc, o1 + L);
        a20.intoArray(acc, o2);
        a21.intoArray(acc, o2 + L);
        a30.intoArray(acc, o3);
        a31.intoArray(acc, o3 + L);
        a40.intoArray(acc, o4);
        a41.intoArray(acc, o4 + L);
        a50.intoArray(acc, o5);
        a51.intoArray(acc, o5 + L);
        a60.intoArray(acc, o6);
        a61.intoArray(acc, o6 + L);
        a70.intoArray(acc, o7);
        a71.intoArray(acc, o7 + L);
    }

    /** Eight pairs at explicit offsets, one vector of channels. */
    static void p8v1(MemorySegment x, long[] xo, int ic, MemorySegment w, long wo, int block, float[] acc, int[] ao) {
        long x0 = xo[0], x1 = xo[1], x2 = xo[2], x3 = xo[3], x4 = xo[4], x5 = xo[5], x6 = xo[6], x7 = xo[7];
        int o0 = ao[0], o1 = ao[1], o2 = ao[2], o3 = ao[3], o4 = ao[4], o5 = ao[5], o6 = ao[6], o7 = ao[7];
        FloatVector a0 = FloatVector.fromArray(F, acc, o0);
        FloatVector a1 = FloatVector.fromArray(F, acc, o1);
        FloatVector a2 = FloatVector.fromArray(F, acc, o2);
        FloatVector a3 = FloatVector.fromArray(F, acc, o3);
        FloatVector a4 = FloatVector.fromArray(F, acc, o4);
        FloatVector a5 = FloatVector.fromArray(F, acc, o5);
        FloatVector a6 = FloatVector.fromArray(F, acc, o6);
        FloatVector a7 = FloatVector.fromArray(F, acc, o7);
        long wstep = (long) block * 4;
        for (int c = 0; c < ic; c++, wo += wstep) {
            FloatVector w0 = FloatVector.fromMemorySegment(F, w, wo, NO);
            long cb = 4L * c;
            a0 = FloatVector.broadcast(F, x.get(FL, x0 + cb)).fma(w0, a0);
            a1 = FloatVector.broadcast(F, x.get(FL, x1 + cb)).fma(w0, a1);
            a2 = FloatVector.broadcast(F, x.get(FL, x2 + cb)).fma(w0, a2);
            a3 = FloatVector.broadcast(F, x.get(FL, x3 + cb)).fma(w0, a3);
            a4 = FloatVector.broadcast(F, x.get(FL, x4 + cb)).fma(w0, a4);
            a5 = FloatVector.broadcast(F, x.get(FL, x5 + cb)).fma(w0, a5);
            a6 = FloatVector.broadcast(F, x.get(FL, x6 + cb)).fma(w0, a6);
            a7 = FloatVector.broadcast(F, x.get(FL, x7 + cb)).fma(w0, a7);
        }
        a0.intoArray(acc, o0);
        a1.intoArray(acc, o1);
        a2.intoArray(acc, o2);
        a3.intoArray(acc, o3);
        a4.intoArray(acc, o4);
        a5.intoArray(acc, o5);
        a6.intoArray(acc, o6);
        a7.intoArray(acc, o7);
    }

    /**
     * Runs {@code count} (input offset, accumulator offset) pairs for one tap through the largest tiles: 8, then
     * 4; a ragged rest of 2..7 pads its tile by repeating pair 0's input into the dummy accumulator slot
     * {@code dummy} (written, never read), so the weight loads stay shared; a single pair runs alone.
     * {@code xo} and {@code ao} must have room for 8 entries past {@code count}.
     */
    static void pairs(int count, MemorySegment x, long[] xo, int[] ao, int ic, MemorySegment w, long wo, int block, float[] acc, int dummy,
                      long[] tx, int[] ta) {
        boolean two = block == 2 * L;
        int p = 0;
        for (; p + 8 <= count; p += 8) {
            System.arraycopy(xo, p, tx, 0, 8);
            System.arraycopy(ao, p, ta, 0, 8);
            if (two) p8v2(x, tx, ic, w, wo, block, acc, ta); else p8v1(x, tx, ic, w, wo, block, acc, ta);
        }
        int left = count - p;
        if (left >= 5) {
            for (int i = 0; i < 8; i++) {
                tx[i] = i < left ? xo[p + i] : xo[p];
                ta[i] = i < left ? ao[p + i] : dummy;
            }
            if (two) p8v2(x, tx, ic, w, wo, block, acc, ta); else p8v1(x, tx, ic, w, wo, block, acc, ta);
        } else if (left >= 2) {
            long q0 = xo[p], q1 = xo[p + 1], q2 = left > 2 ? xo[p + 2] : q0, q3 = left > 3 ? xo[p + 3] : q0;
            int o0 = ao[p], o1 = ao[p + 1], o2 = left > 2 ? ao[p + 2] : dummy, o3 = left > 3 ? ao[p + 3] : dummy;
            if (two) p4v2(x, q0, q1, q2, q3, ic, w, wo, block, acc, o0, o1, o2, o3);
            else p4v1(x, q0, q1, q2, q3, ic, w, wo, block, acc, o0, o1, o2, o3);
        } else if (left == 1) {
            if (two) p1v2(x, xo[p], ic, w, wo, block, acc, ao[p]); else p1v1(x, xo[p], ic, w, wo, block, acc, ao[p]);
        }
    }

    /** Four pixels at explicit input / accumulator offsets (a ragged tail repeats a pixel into a dummy slot). */
    static void p4v2(MemorySegment x, long x0, long x1, long x2, long x3, int ic, MemorySegment w, long wo, int block,
                     float[] acc, int o0, int o1, int o2, int o3) {
        FloatVector a00 = FloatVector.fromArray(F, acc, o0), a01 = FloatVector.fromArray(F, acc, o0 + L);
        FloatVector a10 = FloatVector.fromArray(F, acc, o1), a11 = FloatVector.fromArray(F, acc, o1 + L);
        FloatVector a20 = FloatVector.fromArray(F, acc, o2), a21 = FloatVector.fromArray(F, acc, o2 + L);
        FloatVector a30 = FloatVector.fromArray(F, acc, o3), a31 = FloatVector.fromArray(F, acc, o3 + L);
        long wstep = (long) block * 4;
        for (int c = 0; c < ic; c++, wo += wstep) {
            FloatVector w0 = FloatVector.fromMemorySegment(F, w, wo, NO);
            FloatVector w1 = FloatVector.fromMemorySegment(F, w, wo + 4L * L, NO);
            long cb = 4L * c;
            FloatVector b = FloatVector.broadcast(F, x.get(FL, x0 + cb));
            a00 = b.fma(w0, a00);
            a01 = b.fma(w1, a01);
            b = FloatVector.broadcast(F, x.get(FL, x1 + cb));
            a10 = b.fma(w0, a10);
            a11 = b.fma(w1, a11);
            b = FloatVector.broadcast(F, x.get(FL, x2 + cb));
            a20 = b.fma(w0, a20);
            a21 = b.fma(w1, a21);
            b = FloatVector.broadcast(F, x.get(FL, x3 + cb));
            a30 = b.fma(w0, a30);
            a31 = b.fma(w1, a31);
        }
        a00.intoArray(acc, o0);
        a01.intoArray(acc, o0 + L);
        a10.intoArray(acc, o1);
        a11.intoArray(acc, o1 + L);
        a20.intoArray(acc, o2);
        a21.intoArray(acc, o2 + L);
        a30.intoArray(acc, o3);
        a31.intoArray(acc, o3 + L);
    }

    /** Four pixels, one vector of channels, explicit offsets. */
    static void p4v1(MemorySegment x, long x0, long x1, long x2, long x3, int ic, MemorySegment w, long wo, int block,
                     float[] acc, int o0, int o1, int o2, int o3) {
        FloatVector a0 = FloatVector.fromArray(F, acc, o0), a1 = FloatVector.fromArray(F, acc, o1);
        FloatVector a2 = FloatVector.fromArray(F, acc, o2), a3 = FloatVector.fromArray(F, acc, o3);
        long wstep = (long) block * 4;
        for (int c = 0; c < ic; c++, wo += wstep) {
            FloatVector w0 = FloatVector.fromMemorySegment(F, w, wo, NO);
            long cb = 4L * c;
            a0 = FloatVector.broadcast(F, x.get(FL, x0 + cb)).fma(w0, a0);
            a1 = FloatVector.broadcast(F, x.get(FL, x1 + cb)).fma(w0, a1);
            a2 = FloatVector.broadcast(F, x.get(FL, x2 + cb)).fma(w0, a2);
            a3 = FloatVector.broadcast(F, x.get(FL, x3 + cb)).fma(w0, a3);
        }
        a0.intoArray(acc, o0);
        a1.intoArray(acc, o1);
        a2.intoArray(acc, o2);
        a3.intoArray(acc, o3);
    }

    static void p1v2(MemorySegment x, long xo, int ic, MemorySegment w, long wo, int block, float[] acc, int ao) {
        FloatVector a0 = FloatVector.fromArray(F, acc, ao), a1 = FloatVector.fromArray(F, acc, ao + L);
        long wstep = (long) block * 4;
        for (int c = 0; c < ic; c++, wo += wstep) {
            FloatVector b = FloatVector.broadcast(F, x.get(FL, xo + 4L * c));
            a0 = b.fma(FloatVector.fromMemorySegment(F, w, wo, NO), a0);
            a1 = b.fma(FloatVector.fromMemorySegment(F, w, wo + 4L * L, NO), a1);
        }
        a0.intoArray(acc, ao);
        a1.intoArray(acc, ao + L);
    }

    static void p1v1(MemorySegment x, long xo, int ic, MemorySegment w, long wo, int block, float[] acc, int ao) {
        FloatVector a0 = FloatVector.fromArray(F, acc, ao);
        long wstep = (long) block * 4;
        for (int c = 0; c < ic; c++, wo += wstep) {
            a0 = FloatVector.broadcast(F, x.get(FL, xo + 4L * c)).fma(FloatVector.fromMemorySegment(F, w, wo, NO), a0);
        }
        a0.intoArray(acc, ao);
    }

    /** Per-thread offset lists for {@link #pairs}: sized for {@code capacity} pairs plus a tile's padding. */
    static final class Scratch {
        final long[] xo, tx = new long[8];
        final int[] ao, ta = new int[8];

        Scratch(int capacity) {
            xo = new long[capacity + 8];
            ao = new int[capacity + 8];
        }
    }

    /**
     * Accumulates {@code count} pixels for one tap: input {@code xo + p·xs} bytes into accumulators
     * {@code ao + p·as}, through {@link #pairs}.
     */
    static void pixels(int count, MemorySegment x, long xo, long xs, int ic, MemorySegment w, long wo, int block, float[] acc, int ao, int as,
                       int dummy, Scratch sc) {
        for (int p = 0; p < count; p++) {
            sc.xo[p] = xo + p * xs;
            sc.ao[p] = ao + p * as;
        }
        pairs(count, x, sc.xo, sc.ao, ic, w, wo, block, acc, dummy, sc.tx, sc.ta);
    }
}
