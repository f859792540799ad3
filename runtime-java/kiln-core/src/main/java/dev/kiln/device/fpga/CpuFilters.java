package dev.kiln.device.fpga;

import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED;

/**
 * The output channels the accelerator does not take (the {@code Oc mod 8} leftover), on the host CPU with
 * the accelerator's exact arithmetic: the same compute map (only taps inside the output), int32
 * accumulation, bias, single-rounding requantisation, zero point, clamp. The paper's driver does the same.
 */
final class CpuFilters {
    private CpuFilters() {}

    static void run(Mm2imLayer l, MemorySegment x, MemorySegment w, MemorySegment bias, MemorySegment multiplier,
                    MemorySegment shift, MemorySegment y, int fromOc, int toOc, PpuRounding rounding) {
        int ic = l.ic(), taps = l.kh() * l.kw(), ow = l.ow();
        byte[] in = x.toArray(JAVA_BYTE);
        int zp = l.inputZeroPoint();
        for (int oc = fromOc; oc < toOc; oc++) {
            byte[] filter = w.asSlice((long) oc * taps * ic, (long) taps * ic).toArray(JAVA_BYTE);
            int[] acc = new int[l.oh() * ow];
            for (int iy = 0; iy < l.ih(); iy++) {
                for (int ix = 0; ix < l.iw(); ix++) {
                    int px = (iy * l.iw() + ix) * ic;
                    for (int ky = 0; ky < l.kh(); ky++) {
                        int oy = iy * l.sh() - l.pt() + ky;
                        if (oy < 0 || oy >= l.oh()) continue;
                        for (int kx = 0; kx < l.kw(); kx++) {
                            int ox = ix * l.sw() - l.pl() + kx;
                            if (ox < 0 || ox >= ow) continue;
                            int row = (ky * l.kw() + kx) * ic, dot = 0;
                            for (int c = 0; c < ic; c++) dot += (in[px + c] - zp) * filter[row + c];
                            acc[oy * ow + ox] += dot;
                        }
                    }
                }
            }
            int b = bias.getAtIndex(JAVA_INT_UNALIGNED, oc), m = multiplier.getAtIndex(JAVA_INT_UNALIGNED, oc);
            int s = shift.getAtIndex(JAVA_INT_UNALIGNED, oc);
            for (int o = 0; o < acc.length; o++) {
                y.set(JAVA_BYTE, (long) o * l.oc() + oc, postProcess(acc[o] + b, m, s, l.outputZeroPoint(), rounding));
            }
        }
    }

    /** The PPU (see {@code post_process} in {@code hls/mm2im/mm2im_core.h}), {@code + zp_out}, clamped to int8. */
    static byte postProcess(int acc, int multiplier, int shift, int zpOut, PpuRounding rounding) {
        long r;
        if (rounding == PpuRounding.SINGLE) {
            int total = 31 - shift;
            r = Math.clamp(((long) acc * multiplier + (1L << (total - 1))) >> total, Integer.MIN_VALUE, Integer.MAX_VALUE);
        } else {
            int left = Math.max(shift, 0), right = Math.max(-shift, 0);
            int xs = acc * (1 << left);                                       // wraps, as TFLite's int32 product
            long ab = (long) xs * multiplier;
            long high = xs == Integer.MIN_VALUE && multiplier == Integer.MIN_VALUE ? Integer.MAX_VALUE
                    : (ab + (ab >= 0 ? 1L << 30 : 1 - (1L << 30))) / (1L << 31);  // truncating, as C's '/'
            long mask = (1L << right) - 1, threshold = (mask >> 1) + (high < 0 ? 1 : 0);
            r = (high >> right) + ((high & mask) > threshold ? 1 : 0);
        }
        return (byte) Math.clamp(r + zpOut, -128, 127);
    }
}
