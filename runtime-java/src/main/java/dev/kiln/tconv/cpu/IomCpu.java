package dev.kiln.tconv.cpu;

import dev.kiln.device.cpu.CpuLaunch;
import dev.kiln.device.cpu.CpuParallel;
import dev.kiln.tconv.quant.Rounding;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * IOM, the way TFLite, ONNX Runtime and PyTorch run TCONV on a CPU: one GEMM computes every input pixel
 * times every tap into a column buffer {@code col[N·Ih·Iw][Kh·Kw][OcPad]} (cropped products included), then
 * col2im sums the valid entries into the output. The GEMM uses the same register tiles as MM2IM, so the two
 * differ only in the formulation: the ineffectual MACs and the column buffer round trip.
 */
final class IomCpu {
    private static final ByteOrder NO = ByteOrder.nativeOrder();

    private IomCpu() {}

    /** Arguments: geometry, x f32, packed weights f32, col f32 scratch. One unit = one input row × one channel block. */
    static void gemmF32(CpuLaunch l) {
        Geometry g = Geometry.of(l);
        int a = Geometry.ARGS;
        MemorySegment x = l.buffer(a), w = l.buffer(a + 1), col = l.buffer(a + 2);
        int block = Fp32Tiles.block(g.oc()), blocks = Math.ceilDiv(g.oc(), block), taps = g.kh() * g.kw();
        int ocPad = blocks * block;
        long rows = (long) g.n() * g.ih();
        CpuParallel.forRange(blocks * rows, 1, (from, to) -> {
            float[] acc = new float[g.iw() * taps * block];
            for (long u = from; u < to; u++) {
                int ocb = (int) (u / rows);
                long r = u % rows;                                    // n·ih + iy
                Arrays.fill(acc, 0f);
                long xo = 4L * r * g.iw() * g.ic();
                for (int t = 0; t < taps; t++) {
                    long wo = 4L * ((long) (ocb * taps + t) * g.ic() * block);
                    Fp32Tiles.pixels(g.iw(), x, xo, 4L * g.ic(), g.ic(), w, wo, block, acc, t * block, taps * block);
                }
                for (int ix = 0; ix < g.iw(); ix++) {
                    long dst = 4L * (((r * g.iw() + ix) * taps) * ocPad + (long) ocb * block);
                    for (int t = 0; t < taps; t++) {
                        MemorySegment.copy(acc, (ix * taps + t) * block, col, ValueLayout.JAVA_FLOAT, dst + 4L * t * ocPad, block);
                    }
                }
            }
        });
    }

    /** Arguments: geometry, col f32, bias f32, y f32. Output-parallel gather of the valid column entries. */
    static void col2imF32(CpuLaunch l) {
        Geometry g = Geometry.of(l);
        int a = Geometry.ARGS;
        MemorySegment col = l.buffer(a), bias = l.buffer(a + 1), y = l.buffer(a + 2);
        int block = Fp32Tiles.block(g.oc()), ocPad = Math.ceilDiv(g.oc(), block) * block, taps = g.kh() * g.kw();
        var F = Fp32Tiles.F;
        int L = F.length();
        CpuParallel.forRange((long) g.n() * g.oh(), 1, (from, to) -> {
            float[] row = new float[g.ow() * ocPad];
            float[] b = new float[ocPad];
            MemorySegment.copy(bias, ValueLayout.JAVA_FLOAT, 0, b, 0, g.oc());
            for (long r = from; r < to; r++) {
                int n = (int) (r / g.oh()), oy = (int) (r % g.oh());
                for (int ox = 0; ox < g.ow(); ox++) System.arraycopy(b, 0, row, ox * ocPad, ocPad);
                for (int ky = 0; ky < g.kh(); ky++) {
                    int iy = g.inputRow(oy, ky);
                    if (iy < 0) continue;
                    for (int kx = 0; kx < g.kw(); kx++) {
                        int lo = g.ixLo(kx), hi = g.ixHi(kx);
                        for (int ix = lo; ix < hi; ix++) {
                            int ox = ix * g.sw() - g.pl() + kx;
                            long src = 4L * ((((long) n * g.ih() + iy) * g.iw() + ix) * taps + ky * g.kw() + kx) * ocPad;
                            for (int v = 0; v < ocPad; v += L) {
                                FloatVector.fromMemorySegment(F, col, src + 4L * v, NO).add(FloatVector.fromArray(F, row, ox * ocPad + v))
                                        .intoArray(row, ox * ocPad + v);
                            }
                        }
                    }
                }
                long base = ((long) n * g.oh() + oy) * g.ow();
                for (int ox = 0; ox < g.ow(); ox++) {
                    MemorySegment.copy(row, ox * ocPad, y, ValueLayout.JAVA_FLOAT, 4L * (base + ox) * g.oc(), g.oc());
                }
            }
        });
    }

    /** Arguments: geometry, x int8, packed weights (int32 lanes), input zero point, col int32 scratch. */
    static void gemmInt8(CpuLaunch l) {
        Geometry g = Geometry.of(l);
        int a = Geometry.ARGS;
        MemorySegment x = l.buffer(a), w = l.buffer(a + 1);
        int zp = l.intArg(a + 2);
        MemorySegment col = l.buffer(a + 3);
        int block = Int8Tiles.block(g.oc()), blocks = Math.ceilDiv(g.oc(), block), taps = g.kh() * g.kw();
        int ocPad = blocks * block;
        long rows = (long) g.n() * g.ih();
        CpuParallel.forRange(blocks * rows, 1, (from, to) -> {
            int[] acc = new int[g.iw() * taps * block];
            for (long u = from; u < to; u++) {
                int ocb = (int) (u / rows);
                long r = u % rows;
                Arrays.fill(acc, 0);
                long xo = r * g.iw() * g.ic();
                for (int t = 0; t < taps; t++) {
                    long wo = 4L * ((long) (ocb * taps + t) * g.ic() * block);
                    Int8Tiles.pixels(g.iw(), x, xo, g.ic(), g.ic(), zp, w, wo, block, acc, t * block, taps * block);
                }
                for (int ix = 0; ix < g.iw(); ix++) {
                    long dst = 4L * (((r * g.iw() + ix) * taps) * ocPad + (long) ocb * block);
                    for (int t = 0; t < taps; t++) {
                        MemorySegment.copy(acc, (ix * taps + t) * block, col, ValueLayout.JAVA_INT, dst + 4L * t * ocPad, block);
                    }
                }
            }
        });
    }

    /** Arguments: geometry, col int32, bias, multiplier, shift, output zero point, rounding, y int8. */
    static void col2imInt8(CpuLaunch l) {
        Geometry g = Geometry.of(l);
        int a = Geometry.ARGS;
        MemorySegment col = l.buffer(a), bias = l.buffer(a + 1), mult = l.buffer(a + 2), shift = l.buffer(a + 3);
        int outZp = l.intArg(a + 4);
        Rounding rounding = Rounding.values()[l.intArg(a + 5)];
        MemorySegment y = l.buffer(a + 6);
        int block = Int8Tiles.block(g.oc()), ocPad = Math.ceilDiv(g.oc(), block) * block, taps = g.kh() * g.kw();
        var I = Int8Tiles.I;
        int L = I.length();
        CpuParallel.forRange((long) g.n() * g.oh(), 1, (from, to) -> {
            int[] row = new int[g.ow() * ocPad];
            for (long r = from; r < to; r++) {
                int n = (int) (r / g.oh()), oy = (int) (r % g.oh());
                Arrays.fill(row, 0);
                for (int ky = 0; ky < g.kh(); ky++) {
                    int iy = g.inputRow(oy, ky);
                    if (iy < 0) continue;
                    for (int kx = 0; kx < g.kw(); kx++) {
                        int lo = g.ixLo(kx), hi = g.ixHi(kx);
                        for (int ix = lo; ix < hi; ix++) {
                            int ox = ix * g.sw() - g.pl() + kx;
                            long src = 4L * ((((long) n * g.ih() + iy) * g.iw() + ix) * taps + ky * g.kw() + kx) * ocPad;
                            for (int v = 0; v < ocPad; v += L) {
                                IntVector.fromMemorySegment(I, col, src + 4L * v, NO).add(IntVector.fromArray(I, row, ox * ocPad + v))
                                        .intoArray(row, ox * ocPad + v);
                            }
                        }
                    }
                }
                Mm2imCpu.finishRowInt8(g, bias, mult, shift, outZp, rounding, y, ocPad, 0, n, oy, row);
            }
        });
    }
}
