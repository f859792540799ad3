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

    /** Arguments: geometry, x f32 NHWC, packed weights f32, bias f32 [Oc], y f32 NHWC. */
    static void fp32(CpuLaunch l) {
        Geometry g = Geometry.of(l);
        int a = Geometry.ARGS;
        MemorySegment x = l.buffer(a), w = l.buffer(a + 1), bias = l.buffer(a + 2), y = l.buffer(a + 3);
        if (g.oc() <= Mm2imNarrowCpu.MAX_OC) {
            Mm2imNarrowCpu.fp32(g, x, w, bias, y, grain(g, (long) g.n() * g.oh()));
            return;
        }
        int block = Fp32Tiles.block(g.oc()), blocks = Math.ceilDiv(g.oc(), block);
        long rows = (long) g.n() * g.oh();
        CpuParallel.forRange(blocks * rows, grain(g, blocks * rows), (from, to) -> {
            float[] row = new float[(g.ow() + 1) * block];                  // + one dummy slot for ragged tiles
            for (long u = from; u < to; u++) {
                int ocb = (int) (u / rows), r = (int) (u % rows), n = r / g.oh(), oy = r % g.oh();
                Arrays.fill(row, 0f);
                accumulateRowF32(g, x, w, block, ocb, n, oy, row);
                finishRowF32(g, bias, y, block, ocb, n, oy, row);
            }
        });
    }

    /** Units per parallel chunk so that a chunk has at least ~256K MACs: tiny layers stay on one core. */
    static long grain(Geometry g, long units) {
        long macs = (long) g.n() * g.ih() * g.iw() * g.kh() * g.kw() * g.ic() * g.oc();
        return Math.max(1, Math.ceilDiv(256L * 1024 * units, Math.max(1, macs)));
    }

    static void accumulateRowF32(Geometry g, MemorySegment x, MemorySegment w, int block, int ocb, int n, int oy, float[] row) {
        long xs = 4L * g.ic();
        for (int ky = 0; ky < g.kh(); ky++) {
            int iy = g.inputRow(oy, ky);
            if (iy < 0) continue;
            for (int kx = 0; kx < g.kw(); kx++) {
                int lo = g.ixLo(kx), hi = g.ixHi(kx);
                if (lo >= hi) continue;
                long wo = 4L * ((long) ((ocb * g.kh() + ky) * g.kw() + kx) * g.ic() * block);
                long xo = xs * (((long) n * g.ih() + iy) * g.iw() + lo);
                int ox = lo * g.sw() - g.pl() + kx;
                Fp32Tiles.pixels(hi - lo, x, xo, xs, g.ic(), w, wo, block, row, ox * block, g.sw() * block, row.length - block);
            }
        }
    }

    /** Adds the bias and writes the row's block of channels into NHWC output. */
    static void finishRowF32(Geometry g, MemorySegment bias, MemorySegment y, int block, int ocb, int n, int oy, float[] row) {
        int c0 = ocb * block, width = Math.min(block, g.oc() - c0);
        long base = ((long) n * g.oh() + oy) * g.ow();
        int L = Fp32Tiles.L;
        for (int v = 0; v < width; v += L) {
            VectorMask<Float> m = Fp32Tiles.F.indexInRange(v, width);
            FloatVector b = FloatVector.fromMemorySegment(Fp32Tiles.F, bias, 4L * (c0 + v), NO, m);
            for (int ox = 0; ox < g.ow(); ox++) {
                FloatVector.fromArray(Fp32Tiles.F, row, ox * block + v).add(b)
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
