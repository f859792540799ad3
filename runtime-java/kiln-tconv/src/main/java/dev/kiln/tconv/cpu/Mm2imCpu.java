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
 *
 * <p>fp32 covers all of ONNX ConvTranspose with the same map: a dilated tap {@code ky} is the offset
 * {@code ky·dh} (no inserted zeros), a 3-D layer adds the tap slices {@code kz} whose input slice exists around the
 * same band code, and each group is an independent MatMul over its own {@code ic/groups} channels, read in place.
 * A 1-D layer is one row, cut into column strips. Depthwise layers go to {@link Mm2imDepthwiseCpu}.
 */
final class Mm2imCpu {
    private static final ByteOrder NO = ByteOrder.nativeOrder();

    private Mm2imCpu() {}

    /** The output-stationary buffer of one unit stays below this (L2-sized), rows × Ow × block floats. */
    static final int BUFFER_BYTES = 256 * 1024;
    static final boolean USE_2X4 = Boolean.parseBoolean(System.getProperty("kiln.tconv.tile2x4", "true"));

    /**
     * Output rows per unit: as many as the buffer holds (each tap's weights then serve all of them, as the
     * FPGA's accumulator buffer does for its filter group), a multiple of {@code 2·sh} so that rows pair up
     * by phase, but few enough that both cores get several units.
     */
    static int rowsPerUnit(Geometry g, int block, int blocks) {
        int step = 2 * g.sh();
        long perRow = 4L * g.ow() * block;
        int rows = (int) Math.max(step, (BUFFER_BYTES / perRow) / step * step);
        rows = Math.min(rows, Math.ceilDiv(g.oh(), step) * step);
        while (rows > step && (long) blocks * g.n() * g.od() * Math.ceilDiv(g.oh(), rows) < 4L * CpuParallel.threads()) rows -= step;
        return rows;
    }

    /**
     * Output columns per unit: the whole row, unless even the smallest band of rows overflows the buffer or
     * leaves the cores without enough units (1-D layers have one row): then column strips of at least
     * {@link #MIN_COLUMNS}, each with the input columns its taps need.
     */
    static int columnsPerUnit(Geometry g, int block, int blocks, int band) {
        long perColumn = 4L * band * block;
        int cols = (int) Math.max(MIN_COLUMNS, Math.min(g.ow(), BUFFER_BYTES / perColumn));
        long units = (long) blocks * g.n() * g.od() * Math.ceilDiv(g.oh(), band);
        if (units < 4L * CpuParallel.threads()) {
            cols = (int) Math.max(MIN_COLUMNS, Math.min(cols, g.ow() * units / (4L * CpuParallel.threads())));
        }
        return Math.min(cols, g.ow());
    }

    static final int MIN_COLUMNS = 64;

    /**
     * Arguments: geometry, x f32 channels-last, packed weights f32, bias f32 [Oc], y f32 channels-last. A unit
     * is one channel block of one group × one output slice × a band of output rows ({@link #rowsPerUnit}) × a
     * strip of columns ({@link #columnsPerUnit}); for each tap, every (input pixel, output pixel) pair of the
     * unit that the compute map allows goes through the register tiles, then the band's rows are finished in
     * order. A group reads its own {@code ic/groups} channels of each input pixel in place (an offset, no copy).
     */
    static void fp32(CpuLaunch l) {
        Geometry g = Geometry.of(l);
        int a = Geometry.ARGS;
        MemorySegment x = l.buffer(a), w = l.buffer(a + 1), bias = l.buffer(a + 2), y = l.buffer(a + 3);
        if (g.plain2d() && g.oc() <= Mm2imNarrowCpu.MAX_OC) {
            Mm2imNarrowCpu.fp32(g, x, w, bias, y, grain(g, (long) g.n() * g.oh()));
            return;
        }
        if (Mm2imDepthwiseCpu.applies(g)) {
            Mm2imDepthwiseCpu.fp32(g, x, w, bias, y);
            return;
        }
        int block = Fp32Tiles.block(g.ocg()), blocks = g.groups() * Math.ceilDiv(g.ocg(), block);
        int band = rowsPerUnit(g, block, blocks), bands = Math.ceilDiv(g.oh(), band);
        int strip = columnsPerUnit(g, block, blocks, band), strips = Math.ceilDiv(g.ow(), strip);
        long unitsPerBlock = (long) g.n() * g.od() * bands * strips;
        CpuParallel.forRange(blocks * unitsPerBlock, grain(g, blocks * unitsPerBlock), (from, to) -> {
            float[] rows = new float[(band * strip + 1) * block];    // + one dummy slot for ragged tiles
            Fp32Tiles.Scratch sc = new Fp32Tiles.Scratch(band * Math.min(g.iw(), strip + g.kw() * g.dw()));
            int[] oys = new int[band];
            for (long u = from; u < to; u++) {
                int blk = (int) (u / unitsPerBlock);
                long r = u % unitsPerBlock;
                int ox0 = (int) (r % strips) * strip, ox1 = Math.min(g.ow(), ox0 + strip);
                r /= strips;
                int r0 = (int) (r % bands) * band, r1 = Math.min(g.oh(), r0 + band);
                r /= bands;
                int oz = (int) (r % g.od()), n = (int) (r / g.od());
                int pitch = (ox1 - ox0) * block;
                Arrays.fill(rows, 0, (r1 - r0) * pitch, 0f);
                for (int kz = 0; kz < g.kd(); kz++) {
                    int iz = g.inputSlice(oz, kz);
                    if (iz >= 0) accumulateBandF32(g, x, w, block, blk, n, iz, kz, r0, r1, ox0, ox1, rows, rows.length - block, sc, oys);
                }
                for (int oy = r0; oy < r1; oy++) finishRowF32(g, bias, y, block, blk, n, oz, oy, ox0, ox1, rows, (oy - r0) * pitch);
            }
        });
    }

    /**
     * One unit's products for one tap slice {@code kz} (input slice {@code iz}), tap by tap. The rows a tap row
     * {@code ky} reaches are every {@code sh}-th row; consecutive ones read consecutive input rows, and pairs of
     * them run as 2×4 tiles (one weight load, 8 FMAs); the ragged rest and an unpaired row go through
     * {@link Fp32Tiles#pairs}. Accumulators: {@code rows[(oy − r0)·(ox1 − ox0)·block + (ox − ox0)·block + j]}.
     */
    static void accumulateBandF32(Geometry g, MemorySegment x, MemorySegment w, int block, int blk, int n, int iz, int kz,
                                  int r0, int r1, int ox0, int ox1, float[] rows, int dummy, Fp32Tiles.Scratch sc, int[] oys) {
        int icg = g.icg(), grp = blk / Math.ceilDiv(g.ocg(), block);
        long xs = 4L * g.ic(), xc = 4L * grp * icg;
        int as = g.sw() * block, rowPitch = (ox1 - ox0) * block;
        boolean wide = block == 2 * Fp32Tiles.L;
        long slice = ((long) n * g.id() + iz) * g.ih();
        for (int ky = 0; ky < g.kh(); ky++) {
            int count = 0;
            for (int oy = r0; oy < r1; oy++) if (g.inputRow(oy, ky) >= 0) oys[count++] = oy;
            if (count == 0) continue;
            for (int kx = 0; kx < g.kw(); kx++) {
                int lo = g.ixLo(kx, ox0), hi = g.ixHi(kx, ox1);
                if (lo >= hi) continue;
                long wo = 4L * ((long) (((blk * g.kd() + kz) * g.kh() + ky) * g.kw() + kx) * icg * block);
                int shift = kx * g.dw() - g.pl() - ox0;
                int pairs = 0;
                for (int k = 0; k < count; k += 2) {
                    int oyA = oys[k], iyA = g.inputRow(oyA, ky);
                    long xa = xs * ((slice + iyA) * g.iw()) + xc;
                    int aa = (oyA - r0) * rowPitch;
                    int ix = lo;
                    boolean paired = k + 1 < count;
                    long xb = 0;
                    int ab = 0;
                    if (paired) {
                        int oyB = oys[k + 1];
                        xb = xs * ((slice + g.inputRow(oyB, ky)) * g.iw()) + xc;
                        ab = (oyB - r0) * rowPitch;
                        if (wide && USE_2X4) {
                            for (; ix + 4 <= hi; ix += 4) {
                                int ox = ix * g.sw() + shift;
                                Fp32Tiles.p2x4v2(x, xa + xs * ix, xb + xs * ix, xs, icg, w, wo, block, rows, aa + ox * block, ab + ox * block, as);
                            }
                        }
                    }
                    for (int i = ix; i < hi; i++) {
                        int ox = (i * g.sw() + shift) * block;
                        sc.xo[pairs] = xa + xs * i;
                        sc.ao[pairs++] = aa + ox;
                        if (paired) {
                            sc.xo[pairs] = xb + xs * i;
                            sc.ao[pairs++] = ab + ox;
                        }
                    }
                }
                if (pairs > 0) Fp32Tiles.pairs(pairs, x, sc.xo, sc.ao, icg, w, wo, block, rows, dummy, sc.tx, sc.ta);
            }
        }
    }

    /** Units per parallel chunk so that a chunk has at least ~256K MACs: tiny layers stay on one core. */
    static long grain(Geometry g, long units) {
        long macs = (long) g.n() * g.id() * g.ih() * g.iw() * g.kd() * g.kh() * g.kw() * g.icg() * g.oc();
        return Math.max(1, Math.ceilDiv(256L * 1024 * units, Math.max(1, macs)));
    }

    /** Adds the bias and writes the row's block of channels into NHWC output (2-D, group 1: IOM, zero-insertion). */
    static void finishRowF32(Geometry g, MemorySegment bias, MemorySegment y, int block, int ocb, int n, int oy, float[] row) {
        finishRowF32(g, bias, y, block, ocb, n, 0, oy, 0, g.ow(), row, 0);
    }

    /**
     * Adds the bias and writes columns {@code [ox0, ox1)} of one output row for channel block {@code blk} (blocks
     * numbered group-major) into the channels-last output.
     */
    static void finishRowF32(Geometry g, MemorySegment bias, MemorySegment y, int block, int blk, int n, int oz, int oy, int ox0, int ox1,
                             float[] row, int rowOffset) {
        int bpg = Math.ceilDiv(g.ocg(), block), grp = blk / bpg, ocb = blk % bpg;
        int c0 = grp * g.ocg() + ocb * block, width = Math.min(block, g.ocg() - ocb * block);
        long base = (((long) n * g.od() + oz) * g.oh() + oy) * g.ow();
        int L = Fp32Tiles.L;
        for (int v = 0; v < width; v += L) {
            VectorMask<Float> m = Fp32Tiles.F.indexInRange(v, width);
            FloatVector b = FloatVector.fromMemorySegment(Fp32Tiles.F, bias, 4L * (c0 + v), NO, m);
            for (int ox = ox0; ox < ox1; ox++) {
                FloatVector.fromArray(Fp32Tiles.F, row, rowOffset + (ox - ox0) * block + v).add(b)
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
