package dev.kiln.tconv.cpu;

import dev.kiln.device.cpu.CpuLaunch;
import dev.kiln.device.cpu.CpuParallel;
import dev.kiln.tconv.quant.Rounding;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * MM2IM on the cpu, output-stationary. Work unit = one output row of one image for one block of output
 * channels. For that row, the compute map is explicit and exact: tap row {@code ky} contributes only when
 * {@code (oy + pt − ky)} is a multiple of {@code sh} (input row {@code iy}), and tap column {@code kx} only
 * for the input columns {@code [ixLo(kx), ixHi(kx))} whose outputs land inside the row. Only those products
 * are computed (no cropped border, no inserted zeros), summed in a row buffer that stays in L1/L2, and the row
 * is finished (bias, int8 requantisation) and written once, in order. Units run block-major so that one
 * block's packed weights stay in cache while its rows stream past; both cores take contiguous ranges.
 */
final class Mm2imCpu {
    private static final ByteOrder NO = ByteOrder.nativeOrder();

    private Mm2imCpu() {}

    /** Output rows accumulated together: rows {@code oy} and {@code oy + sh} use the same taps, so each weight tile serves both. */
    static final int ROWS = 2;                                   // accumulateRowsF32 handles exactly two

    /**
     * Arguments: geometry, x f32 NHWC, packed weights f32, bias f32 [Oc], y f32 NHWC. A unit is one channel
     * block × {@link #ROWS} output rows of the same phase ({@code oy, oy + sh}); for each tap, the valid
     * (input pixel, output pixel) pairs of both rows go through 8-wide register tiles.
     */
    static void fp32(CpuLaunch l) {
        Geometry g = Geometry.of(l);
        int a = Geometry.ARGS;
        MemorySegment x = l.buffer(a), w = l.buffer(a + 1), bias = l.buffer(a + 2), y = l.buffer(a + 3);
        if (g.oc() <= Mm2imNarrowCpu.MAX_OC) {
            Mm2imNarrowCpu.fp32(g, x, w, bias, y, grain(g, (long) g.n() * g.oh()));
            return;
        }
        int block = Fp32Tiles.block(g.oc()), blocks = Math.ceilDiv(g.oc(), block);
        int sh = g.sh(), perPhase = Math.ceilDiv(g.oh(), sh), groups = Math.ceilDiv(perPhase, ROWS);
        long unitsPerBlock = (long) g.n() * sh * groups;
        CpuParallel.forRange(blocks * unitsPerBlock, grain(g, blocks * unitsPerBlock), (from, to) -> {
            float[] rows = new float[(ROWS * g.ow() + 1) * block];   // + one dummy slot for ragged tiles
            int dummy = rows.length - block;
            Fp32Tiles.Scratch sc = new Fp32Tiles.Scratch(ROWS * g.iw());
            int[] oys = new int[ROWS];
            for (long u = from; u < to; u++) {
                int ocb = (int) (u / unitsPerBlock);
                long r = u % unitsPerBlock;
                int n = (int) (r / ((long) sh * groups)), py = (int) ((r / groups) % sh), gi = (int) (r % groups);
                int count = 0;
                for (int k = 0; k < ROWS; k++) {
                    int oy = py + sh * (gi * ROWS + k);
                    if (oy < g.oh()) oys[count++] = oy;
                }
                if (count == 0) continue;
                Arrays.fill(rows, 0f);
                accumulateRowsF32(g, x, w, block, ocb, n, oys, count, rows, dummy, sc);
                for (int k = 0; k < count; k++) finishRowF32(g, bias, y, block, ocb, n, oys[k], rows, k * g.ow() * block);
            }
        });
    }

    /** Units per parallel chunk so that a chunk has at least ~256K MACs: tiny layers stay on one core. */
    static long grain(Geometry g, long units) {
        long macs = (long) g.n() * g.ih() * g.iw() * g.kh() * g.kw() * g.ic() * g.oc();
        return Math.max(1, Math.ceilDiv(256L * 1024 * units, Math.max(1, macs)));
    }

    /**
     * For each tap, the rows of the unit whose input row exists: when both do, 2×4 tiles (rows share the weight
     * loads); the ragged rest and single rows go through {@link Fp32Tiles#pairs}.
     */
    static void accumulateRowsF32(Geometry g, MemorySegment x, MemorySegment w, int block, int ocb, int n, int[] oys, int count,
                                  float[] rows, int dummy, Fp32Tiles.Scratch sc) {
        long xs = 4L * g.ic();
        int as = g.sw() * block;
        boolean wide = block == 2 * Fp32Tiles.L;
        for (int ky = 0; ky < g.kh(); ky++) {
            int iy0 = g.inputRow(oys[0], ky), iy1 = count > 1 ? g.inputRow(oys[1], ky) : -1;
            if (iy0 < 0 && iy1 < 0) continue;
            long xr0 = xs * (((long) n * g.ih() + iy0) * g.iw()), xr1 = xs * (((long) n * g.ih() + iy1) * g.iw());
            int ar0 = 0, ar1 = g.ow() * block;
            for (int kx = 0; kx < g.kw(); kx++) {
                int lo = g.ixLo(kx), hi = g.ixHi(kx);
                if (lo >= hi) continue;
                long wo = 4L * ((long) ((ocb * g.kh() + ky) * g.kw() + kx) * g.ic() * block);
                int ix = lo, pairs = 0;
                if (wide && iy0 >= 0 && iy1 >= 0) {
                    for (; ix + 4 <= hi; ix += 4) {
                        int ox = ix * g.sw() - g.pl() + kx;
                        Fp32Tiles.p2x4v2(x, xr0 + xs * ix, xr1 + xs * ix, xs, g.ic(), w, wo, block, rows, ar0 + ox * block, ar1 + ox * block, as);
                    }
                }
                for (int k = 0; k < 2; k++) {
                    int iy = k == 0 ? iy0 : iy1;
                    if (iy < 0) continue;
                    long xr = k == 0 ? xr0 : xr1;
                    int ar = k == 0 ? ar0 : ar1;
                    for (int i = ix; i < hi; i++) {
                        sc.xo[pairs] = xr + xs * i;
                        sc.ao[pairs] = ar + (i * g.sw() - g.pl() + kx) * block;
                        pairs++;
                    }
                }
                if (pairs > 0) Fp32Tiles.pairs(pairs, x, sc.xo, sc.ao, g.ic(), w, wo, block, rows, dummy, sc.tx, sc.ta);
            }
        }
    }

    /** Adds the bias and writes the row's block of channels into NHWC output. */
    static void finishRowF32(Geometry g, MemorySegment bias, MemorySegment y, int block, int ocb, int n, int oy, float[] row) {
        finishRowF32(g, bias, y, block, ocb, n, oy, row, 0);
    }

    static void finishRowF32(Geometry g, MemorySegment bias, MemorySegment y, int block, int ocb, int n, int oy, float[] row, int rowOffset) {
        int c0 = ocb * block, width = Math.min(block, g.oc() - c0);
        long base = ((long) n * g.oh() + oy) * g.ow();
        int L = Fp32Tiles.L;
        for (int v = 0; v < width; v += L) {
            VectorMask<Float> m = Fp32Tiles.F.indexInRange(v, width);
            FloatVector b = FloatVector.fromMemorySegment(Fp32Tiles.F, bias, 4L * (c0 + v), NO, m);
            for (int ox = 0; ox < g.ow(); ox++) {
                FloatVector.fromArray(Fp32Tiles.F, row, rowOffset + ox * block + v).add(b)
                        .intoMemorySegment(y, 4L * ((base + ox) * g.oc() + c0 + v), NO, m);
            }
        }
    }

    /**
     * Arguments: geometry, x int8 NHWC, packed weights (int32 lanes), bias int32 [Oc], multiplier int32 [Oc],
     * shift int32 [Oc], input zero point, output zero point, rounding (0 double, 1 single), y int8 NHWC.
     */
    static void int8(CpuLaunch l) {
        Geometry g = Geometry.of(l);
        int a = Geometry.ARGS;
        MemorySegment x = l.buffer(a), w = l.buffer(a + 1), bias = l.buffer(a + 2), mult = l.buffer(a + 3), shift = l.buffer(a + 4);
        int inZp = l.intArg(a + 5), outZp = l.intArg(a + 6);
        Rounding rounding = Rounding.values()[l.intArg(a + 7)];
        MemorySegment y = l.buffer(a + 8);
        int block = Int8Tiles.block(g.oc()), blocks = Math.ceilDiv(g.oc(), block);
        long rows = (long) g.n() * g.oh();
        CpuParallel.forRange(blocks * rows, grain(g, blocks * rows), (from, to) -> {
            int[] row = new int[g.ow() * block];
            for (long u = from; u < to; u++) {
                int ocb = (int) (u / rows), r = (int) (u % rows), n = r / g.oh(), oy = r % g.oh();
                Arrays.fill(row, 0);
                long xs = g.ic();
                for (int ky = 0; ky < g.kh(); ky++) {
                    int iy = g.inputRow(oy, ky);
                    if (iy < 0) continue;
                    for (int kx = 0; kx < g.kw(); kx++) {
                        int lo = g.ixLo(kx), hi = g.ixHi(kx);
                        if (lo >= hi) continue;
                        long wo = 4L * ((long) ((ocb * g.kh() + ky) * g.kw() + kx) * g.ic() * block);
                        long xo = xs * (((long) n * g.ih() + iy) * g.iw() + lo);
                        int ox = lo * g.sw() - g.pl() + kx;
                        Int8Tiles.pixels(hi - lo, x, xo, xs, g.ic(), inZp, w, wo, block, row, ox * block, g.sw() * block);
                    }
                }
                finishRowInt8(g, bias, mult, shift, outZp, rounding, y, block, ocb, n, oy, row);
            }
        });
    }

    static void finishRowInt8(Geometry g, MemorySegment bias, MemorySegment mult, MemorySegment shift, int outZp, Rounding rounding,
                              MemorySegment y, int block, int ocb, int n, int oy, int[] row) {
        int c0 = ocb * block, width = Math.min(block, g.oc() - c0);
        long base = ((long) n * g.oh() + oy) * g.ow();
        for (int j = 0; j < width; j++) {
            int c = c0 + j;
            int b = bias.getAtIndex(ValueLayout.JAVA_INT, c), m = mult.getAtIndex(ValueLayout.JAVA_INT, c), s = shift.getAtIndex(ValueLayout.JAVA_INT, c);
            for (int ox = 0; ox < g.ow(); ox++) {
                int q = rounding.multiply(row[ox * block + j] + b, m, s) + outZp;
                y.set(ValueLayout.JAVA_BYTE, (base + ox) * g.oc() + c, (byte) Math.max(-128, Math.min(127, q)));
            }
        }
    }
}
