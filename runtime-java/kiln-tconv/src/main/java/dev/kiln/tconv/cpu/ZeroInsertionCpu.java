package dev.kiln.tconv.cpu;

import dev.kiln.device.cpu.CpuLaunch;
import dev.kiln.device.cpu.CpuParallel;
import dev.kiln.tconv.quant.Rounding;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

/**
 * The naive baseline: spread the input out with {@code s − 1} zeros between pixels and a border of
 * {@code K − 1 − pad}, into {@code z[N][Oh+Kh−1][Ow+Kw−1][Ic]}, then run a stride-1 convolution with the
 * spatially flipped kernel: {@code y[oy][ox] = Σ z[oy+ky][ox+kx] · W[Kh−1−ky][Kw−1−kx]}. Input pixel
 * {@code (iy, ix)} sits at {@code z[iy·sh + Kh−1−pt][ix·sw + Kw−1−pl]}. Every tap of every output is
 * multiplied, zeros included. For int8 the "zeros" are the input zero point, so {@code x − zp} is 0 there.
 */
final class ZeroInsertionCpu {
    private ZeroInsertionCpu() {}

    static int zh(Geometry g) { return g.oh() + g.kh() - 1; }

    static int zw(Geometry g) { return g.ow() + g.kw() - 1; }

    /** Arguments: geometry, x, z (scratch), element bytes (4 for f32, 1 for int8), fill byte pattern (0 or zp). */
    static void insert(CpuLaunch l) {
        Geometry g = Geometry.of(l);
        int a = Geometry.ARGS;
        MemorySegment x = l.buffer(a), z = l.buffer(a + 1);
        int bytes = l.intArg(a + 2);
        byte fill = (byte) l.intArg(a + 3);
        int zh = zh(g), zw = zw(g), offH = g.kh() - 1 - g.pt(), offW = g.kw() - 1 - g.pl();
        long pixel = (long) bytes * g.ic();
        z.fill(fill);
        CpuParallel.forRange((long) g.n() * g.ih(), 1, (from, to) -> {
            for (long r = from; r < to; r++) {
                int n = (int) (r / g.ih()), iy = (int) (r % g.ih());
                int zy = iy * g.sh() + offH;
                if (zy < 0 || zy >= zh) continue;
                for (int ix = 0; ix < g.iw(); ix++) {
                    int zx = ix * g.sw() + offW;
                    if (zx < 0 || zx >= zw) continue;
                    MemorySegment.copy(x, pixel * (r * g.iw() + ix), z, pixel * (((long) n * zh + zy) * zw + zx), pixel);
                }
            }
        });
    }

    /** Arguments: geometry, z f32, flipped packed weights f32, bias f32, y f32. */
    static void convF32(CpuLaunch l) {
        Geometry g = Geometry.of(l);
        int a = Geometry.ARGS;
        MemorySegment z = l.buffer(a), w = l.buffer(a + 1), bias = l.buffer(a + 2), y = l.buffer(a + 3);
        int block = Fp32Tiles.block(g.oc()), blocks = Math.ceilDiv(g.oc(), block);
        int zh = zh(g), zw = zw(g);
        long rows = (long) g.n() * g.oh(), xs = 4L * g.ic();
        CpuParallel.forRange(blocks * rows, Mm2imCpu.grain(g, blocks * rows), (from, to) -> {
            float[] row = new float[(g.ow() + 1) * block];
            Fp32Tiles.Scratch sc = new Fp32Tiles.Scratch(g.ow());
            for (long u = from; u < to; u++) {
                int ocb = (int) (u / rows), r = (int) (u % rows), n = r / g.oh(), oy = r % g.oh();
                Arrays.fill(row, 0f);
                for (int ky = 0; ky < g.kh(); ky++) {
                    for (int kx = 0; kx < g.kw(); kx++) {
                        long wo = 4L * ((long) ((ocb * g.kh() + ky) * g.kw() + kx) * g.ic() * block);
                        long zo = xs * (((long) n * zh + oy + ky) * zw + kx);
                        Fp32Tiles.pixels(g.ow(), z, zo, xs, g.ic(), w, wo, block, row, 0, block, row.length - block, sc);
                    }
                }
                Mm2imCpu.finishRowF32(g, bias, y, block, ocb, n, oy, row);
            }
        });
    }

    /** Arguments: geometry, z int8, flipped packed weights (int32 lanes), bias, multiplier, shift, in zp, out zp, rounding, y int8. */
    static void convInt8(CpuLaunch l) {
        Geometry g = Geometry.of(l);
        int a = Geometry.ARGS;
        MemorySegment z = l.buffer(a), w = l.buffer(a + 1), bias = l.buffer(a + 2), mult = l.buffer(a + 3), shift = l.buffer(a + 4);
        int inZp = l.intArg(a + 5), outZp = l.intArg(a + 6);
        Rounding rounding = Rounding.values()[l.intArg(a + 7)];
        MemorySegment y = l.buffer(a + 8);
        int block = Int8Tiles.block(g.oc()), blocks = Math.ceilDiv(g.oc(), block);
        int zh = zh(g), zw = zw(g);
        long rows = (long) g.n() * g.oh(), xs = g.ic();
        CpuParallel.forRange(blocks * rows, Mm2imCpu.grain(g, blocks * rows), (from, to) -> {
            int[] row = new int[g.ow() * block];
            for (long u = from; u < to; u++) {
                int ocb = (int) (u / rows), r = (int) (u % rows), n = r / g.oh(), oy = r % g.oh();
                Arrays.fill(row, 0);
                for (int ky = 0; ky < g.kh(); ky++) {
                    for (int kx = 0; kx < g.kw(); kx++) {
                        long wo = 4L * ((long) ((ocb * g.kh() + ky) * g.kw() + kx) * g.ic() * block);
                        long zo = xs * (((long) n * zh + oy + ky) * zw + kx);
                        Int8Tiles.pixels(g.ow(), z, zo, xs, g.ic(), inZp, w, wo, block, row, 0, block);
                    }
                }
                Mm2imCpu.finishRowInt8(g, bias, mult, shift, outZp, rounding, y, block, ocb, n, oy, row);
            }
        });
    }
}
