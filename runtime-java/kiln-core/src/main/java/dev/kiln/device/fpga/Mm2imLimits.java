package dev.kiln.device.fpga;

import java.util.Optional;

/**
 * The compile-time sizes the MM2IM accelerator is built with ({@code hls/mm2im/mm2im_config.h}) and the
 * pipeline depths its cycle accounting uses. {@link #BUILT} repeats the header's numbers for the pure-Java
 * cycle model; the fpga-sim backend reads the same numbers from the simulation library, and a test checks
 * that the two agree.
 */
public record Mm2imLimits(int peCount, int uf, int maxK, int maxIc, int wgtDepth, int accSize, int inpBufWords,
                          int maxDim, int maxStride, int tapFifoDepth,
                          int cycControl, int cycDecoder, int cycPe, int cycPpu) {
    /** Number of values {@code mm2im_sim_limits} reports, in the record's component order. */
    public static final int COUNT = 14;

    public static final Mm2imLimits BUILT = new Mm2imLimits(8, 16, 16, 1024, 1600, 4096, 2048, 4096, 64, 512, 12, 4, 7, 9);

    /** int8 values per 32-bit AXI-Stream word. */
    public static final int BYTES_PER_WORD = 4;

    public Mm2imLimits {
        if (peCount < 1 || uf < 1 || uf % BYTES_PER_WORD != 0 || maxK < 1 || maxIc < uf || wgtDepth < 1 || Integer.bitCount(accSize) != 1
                || inpBufWords < 1 || maxDim < 1 || maxStride < 1) {
            throw new IllegalArgumentException("implausible accelerator limits: " + ofValues(peCount, uf, maxK, maxIc, wgtDepth, accSize, inpBufWords));
        }
    }

    private static String ofValues(int... v) { return java.util.Arrays.toString(v); }

    public static Mm2imLimits of(int[] v) {
        if (v.length != COUNT) throw new IllegalArgumentException("expected " + COUNT + " limit values, got " + v.length);
        return new Mm2imLimits(v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10], v[11], v[12], v[13]);
    }

    /** {@code ceil(ic / UF)}: UF-wide words per input pixel or weight row. */
    public int icWords(int ic) { return Math.ceilDiv(ic, uf); }

    /** Pixels per LOAD_INP chunk. */
    public int chunkPixels(int ic) { return inpBufWords / icWords(ic); }

    /** Why {@code layer} does not fit the accelerator's buffers, or empty when it does. */
    public Optional<String> whyNotFits(Mm2imLayer l) {
        if (l.ic() > maxIc) return Optional.of("ic=" + l.ic() + " exceeds the accelerator's maximum depth " + maxIc);
        if (l.kh() > maxK || l.kw() > maxK) return Optional.of("kernel " + l.kh() + "x" + l.kw() + " exceeds the maximum side " + maxK);
        if (l.sh() > maxStride || l.sw() > maxStride) return Optional.of("stride " + l.sh() + "x" + l.sw() + " exceeds " + maxStride);
        for (int v : new int[]{l.ih(), l.iw(), l.oh(), l.ow(), l.pt(), l.pl()}) {
            if (v > maxDim) return Optional.of("a side or pad of " + v + " exceeds " + maxDim);
        }
        long weights = (long) l.kh() * l.kw() * icWords(l.ic());
        if (weights > wgtDepth) {
            return Optional.of("one filter needs kh*kw*ceil(ic/" + uf + ") = " + weights + " weight words, the PE buffer holds " + wgtDepth);
        }
        long open = (long) Math.min(l.kh(), l.oh()) * l.ow();
        if (open > accSize) {
            return Optional.of("min(kh,oh)*ow = " + open + " open accumulators exceed the " + accSize + " per PE");
        }
        return Optional.empty();
    }
}
