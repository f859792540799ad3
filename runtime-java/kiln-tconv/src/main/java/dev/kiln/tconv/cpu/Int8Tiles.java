package dev.kiln.tconv.cpu;

import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * The int8 counterpart of {@link Fp32Tiles}: exact int32 accumulation of {@code (x − zp)·w}. The input is
 * int8 (one byte per channel), the packed weights are int8 widened to int32 lanes, so each step is one
 * broadcast, one vector multiply and one add per vector; int32 cannot overflow for the tap counts TFLite
 * itself accumulates in int32.
 */
final class Int8Tiles {
    static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED;
    static final int L = I.length();
    private static final ByteOrder NO = ByteOrder.nativeOrder();

    private Int8Tiles() {}

    static int block(int oc) { return oc <= L ? L : 2 * L; }

    static void p4v2(MemorySegment x, long xo, long xs, int ic, int zp, MemorySegment w, long wo, int block, int[] acc, int ao, int as) {
        IntVector a00 = IntVector.fromArray(I, acc, ao), a01 = IntVector.fromArray(I, acc, ao + L);
        IntVector a10 = IntVector.fromArray(I, acc, ao + as), a11 = IntVector.fromArray(I, acc, ao + as + L);
        IntVector a20 = IntVector.fromArray(I, acc, ao + 2 * as), a21 = IntVector.fromArray(I, acc, ao + 2 * as + L);
        IntVector a30 = IntVector.fromArray(I, acc, ao + 3 * as), a31 = IntVector.fromArray(I, acc, ao + 3 * as + L);
        long wstep = (long) block * 4;
        for (int c = 0; c < ic; c++, wo += wstep) {
            IntVector w0 = IntVector.fromMemorySegment(I, w, wo, NO);
            IntVector w1 = IntVector.fromMemorySegment(I, w, wo + 4L * L, NO);
            long o = xo + c;
            IntVector b = IntVector.broadcast(I, x.get(ValueLayout.JAVA_BYTE, o) - zp);
            a00 = a00.add(w0.mul(b));
            a01 = a01.add(w1.mul(b));
            b = IntVector.broadcast(I, x.get(ValueLayout.JAVA_BYTE, o + xs) - zp);
            a10 = a10.add(w0.mul(b));
            a11 = a11.add(w1.mul(b));
            b = IntVector.broadcast(I, x.get(ValueLayout.JAVA_BYTE, o + 2 * xs) - zp);
            a20 = a20.add(w0.mul(b));
            a21 = a21.add(w1.mul(b));
            b = IntVector.broadcast(I, x.get(ValueLayout.JAVA_BYTE, o + 3 * xs) - zp);
            a30 = a30.add(w0.mul(b));
            a31 = a31.add(w1.mul(b));
        }
        a00.intoArray(acc, ao);
        a01.intoArray(acc, ao + L);
        a10.intoArray(acc, ao + as);
        a11.intoArray(acc, ao + as + L);
        a20.intoArray(acc, ao + 2 * as);
        a21.intoArray(acc, ao + 2 * as + L);
        a30.intoArray(acc, ao + 3 * as);
        a31.intoArray(acc, ao + 3 * as + L);
    }

    static void p1(MemorySegment x, long xo, int ic, int zp, MemorySegment w, long wo, int block, int[] acc, int ao) {
        long wstep = (long) block * 4;
        for (int v = 0; v < block; v += L) {
            IntVector a = IntVector.fromArray(I, acc, ao + v);
            long wv = wo + 4L * v;
            for (int c = 0; c < ic; c++, wv += wstep) {
                a = a.add(IntVector.fromMemorySegment(I, w, wv, NO).mul(x.get(ValueLayout.JAVA_BYTE, xo + c) - zp));
            }
            a.intoArray(acc, ao + v);
        }
    }

    static void p4v1(MemorySegment x, long xo, long xs, int ic, int zp, MemorySegment w, long wo, int block, int[] acc, int ao, int as) {
        IntVector a0 = IntVector.fromArray(I, acc, ao), a1 = IntVector.fromArray(I, acc, ao + as);
        IntVector a2 = IntVector.fromArray(I, acc, ao + 2 * as), a3 = IntVector.fromArray(I, acc, ao + 3 * as);
        long wstep = (long) block * 4;
        for (int c = 0; c < ic; c++, wo += wstep) {
            IntVector w0 = IntVector.fromMemorySegment(I, w, wo, NO);
            long o = xo + c;
            a0 = a0.add(w0.mul(x.get(ValueLayout.JAVA_BYTE, o) - zp));
            a1 = a1.add(w0.mul(x.get(ValueLayout.JAVA_BYTE, o + xs) - zp));
            a2 = a2.add(w0.mul(x.get(ValueLayout.JAVA_BYTE, o + 2 * xs) - zp));
            a3 = a3.add(w0.mul(x.get(ValueLayout.JAVA_BYTE, o + 3 * xs) - zp));
        }
        a0.intoArray(acc, ao);
        a1.intoArray(acc, ao + as);
        a2.intoArray(acc, ao + 2 * as);
        a3.intoArray(acc, ao + 3 * as);
    }

    /** {@code count} pixels for one tap: tiles of 4, then single pixels. */
    static void pixels(int count, MemorySegment x, long xo, long xs, int ic, int zp, MemorySegment w, long wo, int block, int[] acc, int ao, int as) {
        int p = 0;
        if (block == 2 * L) {
            for (; p + 4 <= count; p += 4) p4v2(x, xo + p * xs, xs, ic, zp, w, wo, block, acc, ao + p * as, as);
        } else {
            for (; p + 4 <= count; p += 4) p4v1(x, xo + p * xs, xs, ic, zp, w, wo, block, acc, ao + p * as, as);
        }
        for (; p < count; p++) p1(x, xo + p * xs, ic, zp, w, wo, block, acc, ao + p * as);
    }
}
