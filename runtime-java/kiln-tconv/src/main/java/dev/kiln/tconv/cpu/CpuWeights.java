package dev.kiln.tconv.cpu;

import dev.kiln.tconv.TConvSpec;

/**
 * Weight layouts of the cpu kernels, made once per layer on the host (as ORT pre-packs its weights):
 * OHWI {@code [Oc, Kh, Kw, Ic]} becomes {@code [Oc/B][Kh][Kw][Ic][B]} with {@code B = block(Oc)} output
 * channels per row (zero-padded), so a register tile reads {@code B} contiguous weights per input channel.
 */
public final class CpuWeights {
    private CpuWeights() {}

    /** Output channels per packed block for fp32 kernels (a whole number of vectors). */
    public static int fp32Block(int oc) { return Fp32Tiles.block(oc); }

    /** Output channels per packed block for int8 kernels. */
    public static int int8Block(int oc) { return Int8Tiles.block(oc); }

    /**
     * The layout {@code mm2im_f32} expects: OHWI as given for narrow 2-D layers (Oc ≤ 8), tap-major
     * {@code [Kd][Kh][Kw][C]} for depthwise layers, else {@link #packFp32}.
     */
    public static float[] packMm2imFp32(TConvSpec s, float[] ohwi) {
        Geometry g = Geometry.of(s);
        if (g.plain2d() && s.oc() <= Mm2imNarrowCpu.MAX_OC) return ohwi.clone();
        if (Mm2imDepthwiseCpu.applies(g)) return Mm2imDepthwiseCpu.pack(s.oc(), s.kd() * s.kh() * s.kw(), ohwi);
        return packFp32(s, ohwi, false);
    }

    /**
     * IOM's GEMM operand: weights as {@code [Ic × R]}, {@code R = Kh·Kw·Oc} columns ordered (tap, oc), packed in
     * column blocks {@code [R/B][Ic][B]} with {@code B = block(R)} (zero-padded). Blocks span taps, so narrow
     * layers fill whole vectors, as in TFLite's and ORT's single GEMM.
     */
    public static float[] packIomFp32(TConvSpec s, float[] ohwi) {
        int taps = s.kh() * s.kw(), r = taps * s.oc(), b = Fp32Tiles.block(r), blocks = Math.ceilDiv(r, b);
        float[] out = new float[Math.multiplyExact(blocks * b, s.ic())];
        for (int oc = 0; oc < s.oc(); oc++) {
            for (int t = 0; t < taps; t++) {
                int col = t * s.oc() + oc, src = (oc * taps + t) * s.ic();
                int dst = (col / b) * s.ic() * b + col % b;
                for (int c = 0; c < s.ic(); c++) out[dst + c * b] = ohwi[src + c];
            }
        }
        return out;
    }

    /** Row pitch (floats) of IOM's fp32 column buffer. */
    public static int iomColPitchF32(TConvSpec s) { return IomCpu.colPitchF32(s.kh() * s.kw() * s.oc()); }

    /**
     * fp32 packing: {@code [Oc, Kd, Kh, Kw, Icg]} becomes {@code [blk][Kd][Kh][Kw][Icg][B]}, blocks of {@code B =
     * block(Oc/group)} channels numbered group-major (a block never spans two groups); {@code flip} reverses the
     * tap axes (the zero-insertion conv uses the flipped kernel).
     */
    public static float[] packFp32(TConvSpec s, float[] ohwi, boolean flip) {
        int ocg = s.ocPerGroup(), icg = s.icPerGroup(), b = fp32Block(ocg), bpg = Math.ceilDiv(ocg, b);
        int kd = s.kd(), kh = s.kh(), kw = s.kw();
        float[] out = new float[Math.multiplyExact(s.group() * bpg * b, kd * kh * kw * icg)];
        for (int oc = 0; oc < s.oc(); oc++) {
            int j = oc % ocg, blk = (oc / ocg) * bpg + j / b, lane = j % b;
            for (int kz = 0; kz < kd; kz++) {
                for (int ky = 0; ky < kh; ky++) {
                    for (int kx = 0; kx < kw; kx++) {
                        int tz = flip ? kd - 1 - kz : kz, ty = flip ? kh - 1 - ky : ky, tx = flip ? kw - 1 - kx : kx;
                        int src = (((oc * kd + kz) * kh + ky) * kw + kx) * icg;
                        int dst = ((((blk * kd + tz) * kh + ty) * kw + tx) * icg) * b + lane;
                        for (int c = 0; c < icg; c++) out[dst + c * b] = ohwi[src + c];
                    }
                }
            }
        }
        return out;
    }

    /** int8 packing, widened to int32 (the cpu int8 tiles multiply 32-bit lanes); same layout as fp32. */
    public static int[] packInt8(TConvSpec s, byte[] ohwi, boolean flip) {
        int b = int8Block(s.oc()), blocks = Math.ceilDiv(s.oc(), b);
        int[] out = new int[Math.multiplyExact(blocks * b, s.kh() * s.kw() * s.ic())];
        for (int oc = 0; oc < s.oc(); oc++) {
            for (int ky = 0; ky < s.kh(); ky++) {
                for (int kx = 0; kx < s.kw(); kx++) {
                    int ty = flip ? s.kh() - 1 - ky : ky, tx = flip ? s.kw() - 1 - kx : kx;
                    int src = ((oc * s.kh() + ky) * s.kw() + kx) * s.ic();
                    int dst = (((oc / b) * s.kh() + ty) * s.kw() + tx) * s.ic() * b + oc % b;
                    for (int c = 0; c < s.ic(); c++) out[dst + c * b] = ohwi[src + c];
                }
            }
        }
        return out;
    }
}
