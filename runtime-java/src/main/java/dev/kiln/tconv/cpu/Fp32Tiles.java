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

    static void p8v1(MemorySegment x, long xo, long xs, int ic, MemorySegment w, long wo, int block, float[] acc, int ao, int as) {
        FloatVector a0 = FloatVector.fromArray(F, acc, ao), a1 = FloatVector.fromArray(F, acc, ao + as);
        FloatVector a2 = FloatVector.fromArray(F, acc, ao + 2 * as), a3 = FloatVector.fromArray(F, acc, ao + 3 * as);
        FloatVector a4 = FloatVector.fromArray(F, acc, ao + 4 * as), a5 = FloatVector.fromArray(F, acc, ao + 5 * as);
        FloatVector a6 = FloatVector.fromArray(F, acc, ao + 6 * as), a7 = FloatVector.fromArray(F, acc, ao + 7 * as);
        long wstep = (long) block * 4;
        for (int c = 0; c < ic; c++, wo += wstep) {
            FloatVector w0 = FloatVector.fromMemorySegment(F, w, wo, NO);
            long o = xo + 4L * c;
            a0 = FloatVector.broadcast(F, x.get(FL, o)).fma(w0, a0);
            a1 = FloatVector.broadcast(F, x.get(FL, o + xs)).fma(w0, a1);
            a2 = FloatVector.broadcast(F, x.get(FL, o + 2 * xs)).fma(w0, a2);
            a3 = FloatVector.broadcast(F, x.get(FL, o + 3 * xs)).fma(w0, a3);
            a4 = FloatVector.broadcast(F, x.get(FL, o + 4 * xs)).fma(w0, a4);
            a5 = FloatVector.broadcast(F, x.get(FL, o + 5 * xs)).fma(w0, a5);
            a6 = FloatVector.broadcast(F, x.get(FL, o + 6 * xs)).fma(w0, a6);
            a7 = FloatVector.broadcast(F, x.get(FL, o + 7 * xs)).fma(w0, a7);
        }
        a0.intoArray(acc, ao);
        a1.intoArray(acc, ao + as);
        a2.intoArray(acc, ao + 2 * as);
        a3.intoArray(acc, ao + 3 * as);
        a4.intoArray(acc, ao + 4 * as);
        a5.intoArray(acc, ao + 5 * as);
        a6.intoArray(acc, ao + 6 * as);
        a7.intoArray(acc, ao + 7 * as);
    }

    static void p1v1(MemorySegment x, long xo, int ic, MemorySegment w, long wo, int block, float[] acc, int ao) {
        FloatVector a0 = FloatVector.fromArray(F, acc, ao);
        long wstep = (long) block * 4;
        for (int c = 0; c < ic; c++, wo += wstep) {
            a0 = FloatVector.broadcast(F, x.get(FL, xo + 4L * c)).fma(FloatVector.fromMemorySegment(F, w, wo, NO), a0);
        }
        a0.intoArray(acc, ao);
    }

    /**
     * Accumulates {@code count} pixels (input stride {@code xs} bytes, accumulator stride {@code as} floats) for
     * one tap: tiles of 8 or 4; a ragged tail of 2 or 3 pixels runs as a 4-tile whose missing pixels repeat the
     * first one into the dummy accumulator slot at {@code dummy} (never read), which keeps the weight loads
     * amortised; a single pixel runs alone.
     */
    static void pixels(int count, MemorySegment x, long xo, long xs, int ic, MemorySegment w, long wo, int block, float[] acc, int ao, int as, int dummy) {
        int p = 0;
        if (block == 2 * L) {
            for (; p + 4 <= count; p += 4) {
                long q = xo + p * xs;
                int o = ao + p * as;
                p4v2(x, q, q + xs, q + 2 * xs, q + 3 * xs, ic, w, wo, block, acc, o, o + as, o + 2 * as, o + 3 * as);
            }
            int left = count - p;
            if (left >= 2) {
                long q = xo + p * xs;
                int o = ao + p * as;
                p4v2(x, q, q + xs, left > 2 ? q + 2 * xs : q, q, ic, w, wo, block, acc, o, o + as, left > 2 ? o + 2 * as : dummy, dummy);
            } else if (left == 1) {
                p1v2(x, xo + p * xs, ic, w, wo, block, acc, ao + p * as);
            }
        } else {
            for (; p + 8 <= count; p += 8) p8v1(x, xo + p * xs, xs, ic, w, wo, block, acc, ao + p * as, as);
            for (; p + 4 <= count; p += 4) {
                long q = xo + p * xs;
                int o = ao + p * as;
                p4v1(x, q, q + xs, q + 2 * xs, q + 3 * xs, ic, w, wo, block, acc, o, o + as, o + 2 * as, o + 3 * as);
            }
            int left = count - p;
            if (left >= 2) {
                long q = xo + p * xs;
                int o = ao + p * as;
                p4v1(x, q, q + xs, left > 2 ? q + 2 * xs : q, q, ic, w, wo, block, acc, o, o + as, left > 2 ? o + 2 * as : dummy, dummy);
            } else if (left == 1) {
                p1v1(x, xo + p * xs, ic, w, wo, block, acc, ao + p * as);
            }
        }
    }
}
