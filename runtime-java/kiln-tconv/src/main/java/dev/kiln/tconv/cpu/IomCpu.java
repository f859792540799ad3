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

    /** GEMM columns: every (tap, output channel) pair, {@code R = Kh·Kw·Oc}, row {@code r = tap·Oc + oc}. */
    static int gemmColumns(Geometry g) { return g.kh() * g.kw() * g.oc(); }

    /** Row pitch of the fp32 column buffer: R rounded up to whole register blocks. */
    static int colPitchF32(int r) {
        int block = Fp32Tiles.block(r);
        return Math.ceilDiv(r, block) * block;
    }

    /**
     * Arguments: geometry, x f32, weights packed as a {@code [Ic × R]} GEMM operand (see
     * {@link CpuWeights#packIomFp32}), col f32 scratch {@code [N·Ih·Iw][colPitch]}. One unit = one input row ×
     * one block of GEMM columns; the GEMM is TFLite's {@code [Ih·Iw × Ic] × [Ic × Kh·Kw·Oc]}.
     */
    static void gemmF32(CpuLaunch l) {
        Geometry g = Geometry.of(l);
        int a = Geometry.ARGS;
        MemorySegment x = l.buffer(a), w = l.buffer(a + 1), col = l.buffer(a + 2);
        int r = gemmColumns(g), block = Fp32Tiles.block(r), blocks = Math.ceilDiv(r, block), pitch = colPitchF32(r);
        long rows = (long) g.n() * g.ih();
        CpuParallel.forRange(blocks * rows, Mm2imCpu.grain(g, blocks * rows), (from, to) -> {
            float[] acc = new float[(g.iw() + 1) * block];          // + one dummy slot for ragged tiles
            Fp32Tiles.Scratch sc = new Fp32Tiles.Scratch(g.iw());
            for (long u = from; u < to; u++) {
                int rb = (int) (u / rows);
                long row = u % rows;                                  // n·ih + iy
                Arrays.fill(acc, 0f);
                long wo = 4L * rb * g.ic() * block;
                Fp32Tiles.pixels(g.iw(), x, 4L * row * g.iw() * g.ic(), 4L * g.ic(), g.ic(), w, wo, block, acc, 0, block, acc.length - block, sc);
                for (int ix = 0; ix < g.iw(); ix++) {
                    MemorySegment.copy(acc, ix * block, col, ValueLayout.JAVA_FLOAT, 4L * ((row * g.iw() + ix) * pitch + (long) rb * block), block);
                }
            }
        });
    }

    /** Arguments: geometry, col f32, bias f32, y f32. Output-parallel gather of the valid column entries, then crop. */
    static void col2imF32(CpuLaunch l) {
        Geometry g = Geometry.of(l);
        int a = Geometry.ARGS;
        MemorySegment col = l.buffer(a), bias = l.buffer(a + 1), y = l.buffer(a + 2);
        int pitch = colPitchF32(gemmColumns(g)), oc = g.oc();
        var F = Fp32Tiles.F;
        int L = F.length(), ocP = Math.ceilDiv(oc, L) * L;
        long rowsOut = (long) g.n() * g.oh();
        CpuParallel.forRange(rowsOut, Mm2imCpu.grain(g, rowsOut), (from, to) -> {
            float[] row = new float[g.ow() * ocP];
            float[] b = new float[ocP];
            MemorySegment.copy(bias, ValueLayout.JAVA_FLOAT, 0, b, 0, oc);
            for (long r = from; r < to; r++) {
                int n = (int) (r / g.oh()), oy = (int) (r % g.oh());
                for (int ox = 0; ox < g.ow(); ox++) System.arraycopy(b, 0, row, ox * ocP, ocP);
                for (int ky = 0; ky < g.kh(); ky++) {
                    int iy = g.inputRow(oy, ky);
                    if (iy < 0) continue;
                    for (int kx = 0; kx < g.kw(); kx++) {
                        int lo = g.ixLo(kx), hi = g.ixHi(kx);
                        for (int ix = lo; ix < hi; ix++) {
                            int ox = ix * g.sw() - g.pl() + kx;
                            // lanes past oc read the next tap's entries into padding lanes that are never written out
                            long src = 4L * ((((long) n * g.ih() + iy) * g.iw() + ix) * pitch + (long) (ky * g.kw() + kx) * oc);
                            for (int v = 0; v < ocP; v += L) {
                                FloatVector.fromMemorySegment(F, col, src + 4L * v, NO).add(FloatVector.fromArray(F, row, ox * ocP + v))
                                        .intoArray(row, ox * ocP + v);
                            }
                        }
                    }
                }
                long base = ((long) n * g.oh() + oy) * g.ow();
                for (int ox = 0; ox < g.ow(); ox++) {
                    MemorySegment.copy(row, ox * ocP, y, ValueLayout.JAVA_FLOAT, 4L * (base + ox) * oc, oc);
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
        CpuParallel.forRange(blocks * rows, Mm2imCpu.grain(g, blocks * rows), (from, to) -> {
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
        CpuParallel.forRange((long) g.n() * g.oh(), Mm2imCpu.grain(g, (long) g.n() * g.oh()), (from, to) -> {
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
