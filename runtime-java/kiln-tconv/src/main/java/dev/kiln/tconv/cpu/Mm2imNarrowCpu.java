package dev.kiln.tconv.cpu;

import dev.kiln.device.cpu.CpuParallel;
import jdk.incubator.vector.FloatVector;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

/**
 * MM2IM for layers with few output channels (Oc ≤ {@link #MAX_OC}: image outputs with 1–3 channels), where
 * a vector over output channels would be mostly empty. Here the vector runs over input columns: for one tap,
 * input columns {@code ix..ix+L} land on output columns {@code sw·(ix + off) + phase}, consecutive in the
 * row buffer of that phase ({@code rowT[oc][phase][j]}), so one FMA updates L outputs. The input row is
 * transposed once to {@code xT[c][ix]} (zero-padded) and each weight is a broadcast scalar (OHWI as given).
 * Same compute map, same output-stationary row buffer and in-order row finish as {@link Mm2imCpu}; lanes past
 * the valid column range fall on zeros or on row-buffer slots beyond {@code Ow} that are never read.
 */
final class Mm2imNarrowCpu {
    static final int MAX_OC = 8;
    private static final jdk.incubator.vector.VectorSpecies<Float> F = Fp32Tiles.F;
    private static final int L = Fp32Tiles.L;
    private static final ValueLayout.OfFloat FL = ValueLayout.JAVA_FLOAT_UNALIGNED;

    private Mm2imNarrowCpu() {}

    static void fp32(Geometry g, MemorySegment x, MemorySegment w, MemorySegment bias, MemorySegment y, long grain) {
        int sw = g.sw(), ic = g.ic(), oc = g.oc();
        int iwp = Math.ceilDiv(g.iw(), L) * L + L;
        int jLen = Math.max(Math.ceilDiv(g.ow(), sw), g.iw() + Math.ceilDiv(g.kw(), sw) + 1) + L;
        int plane = sw * jLen;
        float[] b = new float[oc];
        for (int c = 0; c < oc; c++) b[c] = bias.getAtIndex(ValueLayout.JAVA_FLOAT, c);
        CpuParallel.forRange((long) g.n() * g.oh(), grain, (from, to) -> {
            // Ring of transposed input rows: consecutive output rows reuse the ceil(Kh/sh)+1 input rows they share.
            int ring = Math.ceilDiv(g.kh(), g.sh()) + 1;
            float[][] xTs = new float[ring][ic * iwp];
            long[] tags = new long[ring];
            Arrays.fill(tags, -1);
            float[] rowT = new float[(oc + 1) * plane];            // + a dummy plane for unused accumulators
            int dummy = oc * plane;
            for (long r = from; r < to; r++) {
                int n = (int) (r / g.oh()), oy = (int) (r % g.oh());
                Arrays.fill(rowT, 0f);
                for (int ky = 0; ky < g.kh(); ky++) {
                    int iy = g.inputRow(oy, ky);
                    if (iy < 0) continue;
                    long src = (long) n * g.ih() + iy;
                    int slot = (int) (src % ring);
                    float[] xT = xTs[slot];
                    if (tags[slot] != src) {
                        transposeRow(x, src * g.iw() * ic, g.iw(), ic, xT, iwp);
                        tags[slot] = src;
                    }
                    for (int kx = 0; kx < g.kw(); kx++) {
                        int lo = g.ixLo(kx), hi = g.ixHi(kx);
                        if (lo >= hi) continue;
                        int off = Math.floorDiv(kx - g.pl(), sw), phase = Math.floorMod(kx - g.pl(), sw);
                        for (int og = 0; og < oc; og += 4) {
                            int count = Math.min(4, oc - og);
                            long w0 = 4L * ((long) ((og * g.kh() + ky) * g.kw() + kx) * ic);
                            long ws = 4L * g.kh() * g.kw() * ic;        // next output channel's weights
                            int p0 = og * plane + phase * jLen + off;
                            int ix = lo;
                            // two column vectors share each weight broadcast
                            for (; ix + L < hi; ix += 2 * L) {
                                switch (count) {
                                    case 1 -> tile2x1(xT, iwp, ix, ic, w, w0, rowT, p0 + ix);
                                    case 2 -> tile2x2(xT, iwp, ix, ic, w, w0, ws, rowT, p0 + ix, p0 + plane + ix);
                                    case 3 -> tile2x3(xT, iwp, ix, ic, w, w0, ws, 2 * ws, rowT, p0 + ix, p0 + plane + ix, p0 + 2 * plane + ix);
                                    default -> tile2(xT, iwp, ix, ic, w, w0, ws, count > 2 ? 2 * ws : 0, count > 3 ? 3 * ws : 0,
                                            rowT, p0 + ix, p0 + plane + ix, count > 2 ? p0 + 2 * plane + ix : dummy,
                                            count > 3 ? p0 + 3 * plane + ix : dummy);
                                }
                            }
                            for (; ix < hi; ix += L) {
                                if (count == 1) {
                                    tile1(xT, iwp, ix, ic, w, w0, rowT, p0 + ix);
                                } else {
                                    tile(xT, iwp, ix, ic, w, w0, ws, count > 2 ? 2 * ws : 0, count > 3 ? 3 * ws : 0,
                                            rowT, p0 + ix, p0 + plane + ix, count > 2 ? p0 + 2 * plane + ix : dummy,
                                            count > 3 ? p0 + 3 * plane + ix : dummy);
                                }
                            }
                        }
                    }
                }
                long base = ((long) n * g.oh() + oy) * g.ow();
                for (int ox = 0; ox < g.ow(); ox++) {
                    int phase = ox % sw, j = ox / sw;
                    for (int c = 0; c < oc; c++) {
                        y.setAtIndex(ValueLayout.JAVA_FLOAT, (base + ox) * oc + c, rowT[c * plane + phase * jLen + j] + b[c]);
                    }
                }
            }
        });
    }

    /** {@code xT[c·iwp + ix] = x[ix·ic + c]} for one input row; the padding past {@code iw} stays zero. */
    private static void transposeRow(MemorySegment x, long elem, int iw, int ic, float[] xT, int iwp) {
        for (int ix = 0; ix < iw; ix++) {
            long o = 4L * (elem + (long) ix * ic);
            for (int c = 0; c < ic; c++) xT[c * iwp + ix] = x.get(FL, o + 4L * c);
        }
    }

    /** 2·L columns × exactly 1 output channels. */
    private static void tile2x1(float[] xT, int iwp, int ix, int ic, MemorySegment w, long w0, float[] rowT, int o0) {
        FloatVector a0 = FloatVector.fromArray(F, rowT, o0), b0 = FloatVector.fromArray(F, rowT, o0 + L);
        for (int c = 0; c < ic; c++) {
            int xo = c * iwp + ix;
            FloatVector xv = FloatVector.fromArray(F, xT, xo), xu = FloatVector.fromArray(F, xT, xo + L);
            long wc = w0 + 4L * c;
            FloatVector v;
            v = FloatVector.broadcast(F, w.get(FL, wc));
            a0 = xv.fma(v, a0);
            b0 = xu.fma(v, b0);
        }
        a0.intoArray(rowT, o0);
        b0.intoArray(rowT, o0 + L);
    }

    /** 2·L columns × exactly 2 output channels. */
    private static void tile2x2(float[] xT, int iwp, int ix, int ic, MemorySegment w, long w0, long d1, float[] rowT, int o0, int o1) {
        FloatVector a0 = FloatVector.fromArray(F, rowT, o0), b0 = FloatVector.fromArray(F, rowT, o0 + L);
        FloatVector a1 = FloatVector.fromArray(F, rowT, o1), b1 = FloatVector.fromArray(F, rowT, o1 + L);
        for (int c = 0; c < ic; c++) {
            int xo = c * iwp + ix;
            FloatVector xv = FloatVector.fromArray(F, xT, xo), xu = FloatVector.fromArray(F, xT, xo + L);
            long wc = w0 + 4L * c;
            FloatVector v;
            v = FloatVector.broadcast(F, w.get(FL, wc));
            a0 = xv.fma(v, a0);
            b0 = xu.fma(v, b0);
            v = FloatVector.broadcast(F, w.get(FL, wc + d1));
            a1 = xv.fma(v, a1);
            b1 = xu.fma(v, b1);
        }
        a0.intoArray(rowT, o0);
        b0.intoArray(rowT, o0 + L);
        a1.intoArray(rowT, o1);
        b1.intoArray(rowT, o1 + L);
    }

    /** 2·L columns × exactly 3 output channels. */
    private static void tile2x3(float[] xT, int iwp, int ix, int ic, MemorySegment w, long w0, long d1, long d2, float[] rowT, int o0, int o1, int o2) {
        FloatVector a0 = FloatVector.fromArray(F, rowT, o0), b0 = FloatVector.fromArray(F, rowT, o0 + L);
        FloatVector a1 = FloatVector.fromArray(F, rowT, o1), b1 = FloatVector.fromArray(F, rowT, o1 + L);
        FloatVector a2 = FloatVector.fromArray(F, rowT, o2), b2 = FloatVector.fromArray(F, rowT, o2 + L);
        for (int c = 0; c < ic; c++) {
            int xo = c * iwp + ix;
            FloatVector xv = FloatVector.fromArray(F, xT, xo), xu = FloatVector.fromArray(F, xT, xo + L);
            long wc = w0 + 4L * c;
            FloatVector v;
            v = FloatVector.broadcast(F, w.get(FL, wc));
            a0 = xv.fma(v, a0);
            b0 = xu.fma(v, b0);
            v = FloatVector.broadcast(F, w.get(FL, wc + d1));
            a1 = xv.fma(v, a1);
            b1 = xu.fma(v, b1);
            v = FloatVector.broadcast(F, w.get(FL, wc + d2));
            a2 = xv.fma(v, a2);
            b2 = xu.fma(v, b2);
        }
        a0.intoArray(rowT, o0);
        b0.intoArray(rowT, o0 + L);
        a1.intoArray(rowT, o1);
        b1.intoArray(rowT, o1 + L);
        a2.intoArray(rowT, o2);
        b2.intoArray(rowT, o2 + L);
    }

    /** 2·L columns × up to 4 output channels (8 accumulators); unused channels go to the dummy plane. */
    private static void tile2(float[] xT, int iwp, int ix, int ic, MemorySegment w, long w0, long d1, long d2, long d3,
                              float[] rowT, int o0, int o1, int o2, int o3) {
        FloatVector a0 = FloatVector.fromArray(F, rowT, o0), a1 = FloatVector.fromArray(F, rowT, o1);
        FloatVector a2 = FloatVector.fromArray(F, rowT, o2), a3 = FloatVector.fromArray(F, rowT, o3);
        FloatVector b0 = FloatVector.fromArray(F, rowT, o0 + L), b1 = FloatVector.fromArray(F, rowT, o1 + L);
        FloatVector b2 = FloatVector.fromArray(F, rowT, o2 + L), b3 = FloatVector.fromArray(F, rowT, o3 + L);
        for (int c = 0; c < ic; c++) {
            int xo = c * iwp + ix;
            FloatVector xv = FloatVector.fromArray(F, xT, xo), xu = FloatVector.fromArray(F, xT, xo + L);
            long wc = w0 + 4L * c;
            FloatVector v = FloatVector.broadcast(F, w.get(FL, wc));
            a0 = xv.fma(v, a0);
            b0 = xu.fma(v, b0);
            v = FloatVector.broadcast(F, w.get(FL, wc + d1));
            a1 = xv.fma(v, a1);
            b1 = xu.fma(v, b1);
            v = FloatVector.broadcast(F, w.get(FL, wc + d2));
            a2 = xv.fma(v, a2);
            b2 = xu.fma(v, b2);
            v = FloatVector.broadcast(F, w.get(FL, wc + d3));
            a3 = xv.fma(v, a3);
            b3 = xu.fma(v, b3);
        }
        a0.intoArray(rowT, o0);
        a1.intoArray(rowT, o1);
        a2.intoArray(rowT, o2);
        a3.intoArray(rowT, o3);
        b0.intoArray(rowT, o0 + L);
        b1.intoArray(rowT, o1 + L);
        b2.intoArray(rowT, o2 + L);
        b3.intoArray(rowT, o3 + L);
    }

    /** L columns × one output channel. */
    private static void tile1(float[] xT, int iwp, int ix, int ic, MemorySegment w, long w0, float[] rowT, int o0) {
        FloatVector a0 = FloatVector.fromArray(F, rowT, o0), a1 = FloatVector.zero(F);
        int c = 0;
        for (; c + 1 < ic; c += 2) {                                 // two chains hide the FMA latency
            a0 = FloatVector.fromArray(F, xT, c * iwp + ix).fma(FloatVector.broadcast(F, w.get(FL, w0 + 4L * c)), a0);
            a1 = FloatVector.fromArray(F, xT, (c + 1) * iwp + ix).fma(FloatVector.broadcast(F, w.get(FL, w0 + 4L * c + 4)), a1);
        }
        for (; c < ic; c++) a0 = FloatVector.fromArray(F, xT, c * iwp + ix).fma(FloatVector.broadcast(F, w.get(FL, w0 + 4L * c)), a0);
        a0.add(a1).intoArray(rowT, o0);
    }

    /** L columns × up to 4 output channels; unused channels re-read channel 0's weights into the dummy plane. */
    private static void tile(float[] xT, int iwp, int ix, int ic, MemorySegment w, long w0, long d1, long d2, long d3,
                             float[] rowT, int o0, int o1, int o2, int o3) {
        FloatVector a0 = FloatVector.fromArray(F, rowT, o0), a1 = FloatVector.fromArray(F, rowT, o1);
        FloatVector a2 = FloatVector.fromArray(F, rowT, o2), a3 = FloatVector.fromArray(F, rowT, o3);
        for (int c = 0; c < ic; c++) {
            FloatVector xv = FloatVector.fromArray(F, xT, c * iwp + ix);
            long wc = w0 + 4L * c;
            a0 = xv.fma(FloatVector.broadcast(F, w.get(FL, wc)), a0);
            a1 = xv.fma(FloatVector.broadcast(F, w.get(FL, wc + d1)), a1);
            a2 = xv.fma(FloatVector.broadcast(F, w.get(FL, wc + d2)), a2);
            a3 = xv.fma(FloatVector.broadcast(F, w.get(FL, wc + d3)), a3);
        }
        a0.intoArray(rowT, o0);
        a1.intoArray(rowT, o1);
        a2.intoArray(rowT, o2);
        a3.intoArray(rowT, o3);
    }
}
