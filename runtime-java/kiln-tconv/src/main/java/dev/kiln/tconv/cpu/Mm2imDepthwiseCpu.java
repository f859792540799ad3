package dev.kiln.tconv.cpu;

import dev.kiln.device.cpu.CpuParallel;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

/**
 * MM2IM for depthwise layers ({@code group = Ic = Oc}): every group is a 1-channel MatMul, so a vector over a
 * group's output channels would hold one lane. Here the vector runs across groups instead: output channel
 * {@code c} reads only input channel {@code c}, and both are contiguous in channels-last tensors, so one FMA
 * serves L groups. Output-stationary per output pixel: the compute map lists the taps that reach it (same map
 * as {@link Mm2imCpu}, dilations and depth included), the accumulators stay in registers across them, and
 * the pixel is written once. Weights are packed tap-major, {@code [Kd][Kh][Kw][C]}.
 */
final class Mm2imDepthwiseCpu {
    private static final ByteOrder NO = ByteOrder.nativeOrder();
    private static final int L = Fp32Tiles.L;

    private Mm2imDepthwiseCpu() {}

    static boolean applies(Geometry g) { return g.groups() > 1 && g.groups() == g.ic() && g.groups() == g.oc(); }

    /** Depthwise packing: Kiln's {@code [C, Kd, Kh, Kw, 1]} becomes {@code [Kd, Kh, Kw, C]}. */
    static float[] pack(int channels, int taps, float[] kiln) {
        float[] out = new float[kiln.length];
        for (int c = 0; c < channels; c++)
            for (int t = 0; t < taps; t++) out[t * channels + c] = kiln[c * taps + t];
        return out;
    }

    static void fp32(Geometry g, MemorySegment x, MemorySegment w, MemorySegment bias, MemorySegment y) {
        int c = g.oc(), taps = g.kd() * g.kh() * g.kw();
        long rows = (long) g.n() * g.od() * g.oh();
        CpuParallel.forRange(rows, Mm2imCpu.grain(g, rows), (from, to) -> {
            long[] rowBase = new long[g.kd() * g.kh()];
            int[] tapBase = new int[g.kd() * g.kh()];
            long[] xo = new long[taps], wo = new long[taps];
            for (long r = from; r < to; r++) {
                int oy = (int) (r % g.oh());
                int oz = (int) ((r / g.oh()) % g.od()), n = (int) (r / ((long) g.oh() * g.od()));
                int rowTaps = 0;
                for (int kz = 0; kz < g.kd(); kz++) {
                    int iz = g.inputSlice(oz, kz);
                    if (iz < 0) continue;
                    for (int ky = 0; ky < g.kh(); ky++) {
                        int iy = g.inputRow(oy, ky);
                        if (iy < 0) continue;
                        rowBase[rowTaps] = (((long) n * g.id() + iz) * g.ih() + iy) * g.iw();
                        tapBase[rowTaps++] = (kz * g.kh() + ky) * g.kw();
                    }
                }
                long out = r * g.ow();
                for (int ox = 0; ox < g.ow(); ox++) {
                    int count = 0;
                    for (int t = 0; t < rowTaps; t++) {
                        for (int kx = 0; kx < g.kw(); kx++) {
                            int ix = ox + g.pl() - kx * g.dw();
                            if (ix < 0) break;                          // later taps land further left
                            if (ix % g.sw() != 0 || (ix /= g.sw()) >= g.iw()) continue;
                            xo[count] = 4L * (rowBase[t] + ix) * c;
                            wo[count++] = 4L * (tapBase[t] + kx) * c;
                        }
                    }
                    pixel(x, w, bias, y, 4L * (out + ox) * c, c, xo, wo, count);
                }
            }
        });
    }

    /** One output pixel, all channels: four vectors at a time (four FMA chains), then one masked vector at a time. */
    private static void pixel(MemorySegment x, MemorySegment w, MemorySegment bias, MemorySegment y, long yo, int c, long[] xo, long[] wo, int count) {
        var F = Fp32Tiles.F;
        int v = 0;
        for (; v + 4 * L <= c; v += 4 * L) {
            long b = 4L * v;
            FloatVector a0 = FloatVector.fromMemorySegment(F, bias, b, NO), a1 = FloatVector.fromMemorySegment(F, bias, b + 4L * L, NO);
            FloatVector a2 = FloatVector.fromMemorySegment(F, bias, b + 8L * L, NO), a3 = FloatVector.fromMemorySegment(F, bias, b + 12L * L, NO);
            for (int t = 0; t < count; t++) {
                long xb = xo[t] + b, wb = wo[t] + b;
                a0 = FloatVector.fromMemorySegment(F, x, xb, NO).fma(FloatVector.fromMemorySegment(F, w, wb, NO), a0);
                a1 = FloatVector.fromMemorySegment(F, x, xb + 4L * L, NO).fma(FloatVector.fromMemorySegment(F, w, wb + 4L * L, NO), a1);
                a2 = FloatVector.fromMemorySegment(F, x, xb + 8L * L, NO).fma(FloatVector.fromMemorySegment(F, w, wb + 8L * L, NO), a2);
                a3 = FloatVector.fromMemorySegment(F, x, xb + 12L * L, NO).fma(FloatVector.fromMemorySegment(F, w, wb + 12L * L, NO), a3);
            }
            a0.intoMemorySegment(y, yo + b, NO);
            a1.intoMemorySegment(y, yo + b + 4L * L, NO);
            a2.intoMemorySegment(y, yo + b + 8L * L, NO);
            a3.intoMemorySegment(y, yo + b + 12L * L, NO);
        }
        for (; v < c; v += L) {
            VectorMask<Float> m = F.indexInRange(v, c);
            long b = 4L * v;
            FloatVector a = FloatVector.fromMemorySegment(F, bias, b, NO, m);
            for (int t = 0; t < count; t++) {
                a = FloatVector.fromMemorySegment(F, x, xo[t] + b, NO, m).fma(FloatVector.fromMemorySegment(F, w, wo[t] + b, NO, m), a);
            }
            a.intoMemorySegment(y, yo + b, NO, m);
        }
    }
}
