package dev.kiln.device.fpga;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED;

/**
 * The host side of the MM2IM accelerator: speaks its protocol over a {@link Mm2imPort} exactly as the
 * PYNQ driver does over the AXI DMA.
 *
 * <ol>
 * <li>LOAD_CONFIG once per layer (again only if the filter count of a group changes).</li>
 * <li>Per group of 8 filters: LOAD_WGT (each filter's {@code Kh·Kw} weight rows, depth padded to 16, then its
 *     row-sum terms {@code −zp_in·Σw}; then bias, multiplier, shift per filter).</li>
 * <li>The input in chunks that fit one input bank (per image, per input row), pipelined by one chunk:
 *     invocation {@code k} is LOAD_INP of chunk {@code k} | SCHEDULE of chunk {@code k−1} (the accelerator
 *     runs both at once on its two input banks) | STORE of every output row chunk {@code k−1} completed
 *     (row {@code oy} is final once input row {@code floor((oy + pt) / sh)} has streamed), so rows leave
 *     the chip as soon as they are complete.</li>
 * </ol>
 * Filters left over when {@code Oc} is not a multiple of 8 run on the CPU, as in the paper
 * ({@link Leftover#CPU}); {@link Leftover#ACCELERATOR} sends them as a smaller last group instead.
 */
public final class Mm2imDriver {
    /** Where the {@code Oc mod 8} leftover filters run. */
    public enum Leftover { CPU, ACCELERATOR }

    private final Mm2imPort port;
    private final Mm2imLimits limits;

    public Mm2imDriver(Mm2imPort port) {
        this.port = port;
        this.limits = port.limits();
    }

    public Mm2imLimits limits() { return limits; }

    /**
     * Runs {@code batch} images. {@code x} int8 {@code [batch, Ih, Iw, Ic]}, {@code w} int8 {@code [Oc, Kh, Kw, Ic]},
     * {@code bias}, {@code multiplier}, {@code shift} int32 {@code [Oc]} (native byte order), {@code y} int8
     * {@code [batch, Oh, Ow, Oc]}. The PPU requantises with {@code rounding} (the paper's hardware: single).
     */
    public Mm2imRunStats run(Mm2imLayer l, int batch, MemorySegment x, MemorySegment w, MemorySegment bias,
                             MemorySegment multiplier, MemorySegment shift, MemorySegment y, Leftover leftover,
                             PpuRounding rounding) {
        if (batch < 1) throw new IllegalArgumentException("batch must be >= 1, was " + batch);
        requireBytes("input", x, batch * l.inputBytes());
        requireBytes("weights", w, l.weightBytes());
        requireBytes("bias", bias, 4L * l.oc());
        requireBytes("multiplier", multiplier, 4L * l.oc());
        requireBytes("shift", shift, 4L * l.oc());
        requireBytes("output", y, batch * l.outputBytes());
        for (int c = 0; c < l.oc(); c++) {
            int m = multiplier.getAtIndex(JAVA_INT_UNALIGNED, c), s = shift.getAtIndex(JAVA_INT_UNALIGNED, c);
            if (m < 0) throw new IllegalArgumentException("multiplier[" + c + "] must be >= 0, was " + m);
            if (s < -31 || s > rounding.maxShift()) {
                throw new IllegalArgumentException("shift[" + c + "] must be in [-31, " + rounding.maxShift() + "] (" + rounding + " rounding), was " + s);
            }
        }
        limits.whyNotFits(l).ifPresent(why -> {
            throw new IllegalArgumentException("layer does not fit the MM2IM accelerator: " + why);
        });

        int pe = limits.peCount();
        int fullGroups = l.oc() / pe, rest = l.oc() % pe;
        int onAccelerator = leftover == Leftover.ACCELERATOR ? l.oc() : fullGroups * pe;
        Stats stats = new Stats();
        // The accelerator keeps config and weights between invocations: one run owns it from start to end.
        synchronized (port) {
            runOnAccelerator(l, batch, x, w, bias, multiplier, shift, y, onAccelerator, rounding, stats);
        }
        long cpuStart = System.nanoTime();
        if (onAccelerator < l.oc()) {
            for (int b = 0; b < batch; b++) {
                CpuFilters.run(l, x.asSlice(b * l.inputBytes(), l.inputBytes()), w, bias, multiplier, shift,
                        y.asSlice(b * l.outputBytes(), l.outputBytes()), onAccelerator, l.oc(), rounding);
            }
        }
        long cpuNanos = onAccelerator < l.oc() ? System.nanoTime() - cpuStart : 0;
        return new Mm2imRunStats(stats.invocations, stats.cycles, stats.wordsIn, stats.wordsOut, stats.nanos, cpuNanos,
                onAccelerator, l.oc() - onAccelerator, rest);
    }

    private void runOnAccelerator(Mm2imLayer l, int batch, MemorySegment x, MemorySegment w, MemorySegment bias,
                                  MemorySegment multiplier, MemorySegment shift, MemorySegment y, int onAccelerator, PpuRounding rounding,
                                  Stats stats) {
        int pe = limits.peCount();
        try (Arena arena = Arena.ofConfined()) {
            Words in = new Words(arena.allocate(4 * inputWordsNeeded(l), 64));
            MemorySegment out = arena.allocate(4L * l.oh() * l.ow() * Math.ceilDiv(pe, Mm2imLimits.BYTES_PER_WORD), 64);
            int configured = 0;
            for (int f0 = 0; f0 < onAccelerator; f0 += pe) {
                int nf = Math.min(pe, onAccelerator - f0);
                if (nf != configured) {
                    loadConfig(l, nf, rounding, in, out, stats);
                    configured = nf;
                }
                loadWeights(l, f0, nf, w, bias, multiplier, shift, in, out, stats);
                streamInput(l, batch, f0, nf, x, y, in, out, stats);
            }
        }
    }

    private void loadConfig(Mm2imLayer l, int filters, PpuRounding rounding, Words in, MemorySegment out, Stats stats) {
        in.reset();
        for (int v : new int[]{l.ic(), l.ih(), l.iw(), l.oh(), l.ow(), l.kh(), l.kw(), l.sh(), l.sw(), l.pt(), l.pl(),
                filters, l.outputZeroPoint(), rounding.ordinal()}) {
            in.put(v);
        }
        exec(Mm2imProtocol.OP_LOAD_CONFIG, in, out, stats);
    }

    private void loadWeights(Mm2imLayer l, int f0, int nf, MemorySegment w, MemorySegment bias, MemorySegment multiplier,
                             MemorySegment shift, Words in, MemorySegment out, Stats stats) {
        int taps = l.kh() * l.kw(), ic = l.ic(), padded = limits.icWords(ic) * limits.uf();
        in.reset();
        for (int f = f0; f < f0 + nf; f++) {
            for (int t = 0; t < taps; t++) in.putBytes(w, ((long) f * taps + t) * ic, ic, padded);
            for (int t = 0; t < taps; t++) {
                long rowOffset = ((long) f * taps + t) * ic, sum = 0;
                for (int c = 0; c < ic; c++) sum += w.get(JAVA_BYTE, rowOffset + c);
                in.put((int) (-(long) l.inputZeroPoint() * sum));  // the row's −zp_in·Σw, added once per valid tap
            }
        }
        for (int f = f0; f < f0 + nf; f++) {
            in.put(bias.getAtIndex(JAVA_INT_UNALIGNED, f));
            in.put(multiplier.getAtIndex(JAVA_INT_UNALIGNED, f));
            in.put(shift.getAtIndex(JAVA_INT_UNALIGNED, f));
        }
        exec(Mm2imProtocol.OP_LOAD_WGT, in, out, stats);
    }

    /** One chunk of input pixels: image {@code b}, row {@code iy}, columns {@code [x0, x0+n)}. */
    record Chunk(int b, int iy, int x0, int n, boolean rowEnd, int ready) {}

    /** The chunks of {@code batch} images in stream order; {@code ready}: output rows complete after the row. */
    static List<Chunk> chunks(Mm2imLayer l, int batch, int chunkPixels) {
        List<Chunk> out = new ArrayList<>();
        for (int b = 0; b < batch; b++) {
            for (int iy = 0; iy < l.ih(); iy++) {
                // Output rows below (iy+1)·sh − pt get nothing from later input rows: complete after this row.
                int ready = iy == l.ih() - 1 ? l.oh() : (int) Math.clamp((long) (iy + 1) * l.sh() - l.pt(), 0, l.oh());
                for (int x0 = 0; x0 < l.iw(); x0 += chunkPixels) {
                    int n = Math.min(chunkPixels, l.iw() - x0);
                    out.add(new Chunk(b, iy, x0, n, x0 + n == l.iw(), ready));
                }
            }
        }
        return out;
    }

    private void streamInput(Mm2imLayer l, int batch, int f0, int nf, MemorySegment x, MemorySegment y, Words in,
                             MemorySegment out, Stats stats) {
        int ic = l.ic(), padded = limits.icWords(ic) * limits.uf();
        int wordsPerPixel = Math.ceilDiv(nf, Mm2imLimits.BYTES_PER_WORD);
        List<Chunk> chunks = chunks(l, batch, limits.chunkPixels(ic));
        int stored = 0, storedImage = 0;  // output rows of image storedImage already stored
        for (int k = 0; k <= chunks.size(); k++) {
            in.reset();
            int op = 0;
            if (k < chunks.size()) {
                Chunk c = chunks.get(k);
                op |= Mm2imProtocol.OP_LOAD_INP;
                in.put(c.iy() * l.iw() + c.x0());
                in.put(c.n());
                long image = c.b() * l.inputBytes();
                for (int p = 0; p < c.n(); p++) in.putBytes(x, image + ((long) c.iy() * l.iw() + c.x0() + p) * ic, ic, padded);
            }
            Chunk done = k > 0 ? chunks.get(k - 1) : null;
            if (done != null && done.b() != storedImage) {
                storedImage = done.b();
                stored = 0;
            }
            boolean store = done != null && done.rowEnd() && done.ready() > stored;
            if (done != null) op |= Mm2imProtocol.OP_SCHEDULE;
            if (store) {
                op |= Mm2imProtocol.OP_STORE;
                in.put(stored);
                in.put(done.ready() - stored);
            }
            long words = exec(op, in, out, stats);
            if (store) {
                long pixels = (long) (done.ready() - stored) * l.ow();
                if (words != pixels * wordsPerPixel) {
                    throw new IllegalStateException("MM2IM STORE of rows " + stored + ".." + (done.ready() - 1) + " returned " + words
                            + " words, expected " + pixels * wordsPerPixel);
                }
                long image = done.b() * l.outputBytes();
                for (long p = 0; p < pixels; p++) {
                    MemorySegment.copy(out, p * wordsPerPixel * Mm2imLimits.BYTES_PER_WORD,
                            y, image + ((long) stored * l.ow() + p) * l.oc() + f0, nf);
                }
                stored = done.ready();
            }
        }
    }

    private long exec(int opcode, Words in, MemorySegment out, Stats stats) {
        Mm2imPort.Invocation r = port.exec(opcode, in.segment, in.count, out);
        if (r.status() != 0) {
            throw new IllegalStateException("MM2IM accelerator (" + port.description() + ") rejected " + Mm2imProtocol.opcodeName(opcode)
                    + ": " + Mm2imProtocol.statusName(r.status()) + " (status 0x" + Integer.toHexString(r.status()) + ")");
        }
        stats.invocations++;
        stats.wordsIn += in.count;
        stats.wordsOut += r.outWords();
        stats.nanos += r.nanos();
        if (r.cycles() >= 0) stats.cycles += r.cycles();
        else stats.cycles = -1;
        return r.outWords();
    }

    /** The largest single invocation payload, in words. */
    private long inputWordsNeeded(Mm2imLayer l) {
        long icw = limits.icWords(l.ic()), taps = (long) l.kh() * l.kw();
        long weights = limits.peCount() * (taps * icw * 4 + taps + 3);
        long input = 4 + (long) limits.chunkPixels(l.ic()) * icw * 4;
        return Math.max(Mm2imProtocol.CONFIG_WORDS, Math.max(weights, input));
    }

    private static void requireBytes(String what, MemorySegment s, long bytes) {
        if (s.byteSize() < bytes) throw new IllegalArgumentException(what + " has " + s.byteSize() + " bytes, the layer needs " + bytes);
    }

    /** The invocation's input words, little-endian as the DMA moves them (four int8 values per word). */
    private static final class Words {
        final MemorySegment segment;
        long count;

        Words(MemorySegment segment) { this.segment = segment; }

        void reset() { count = 0; }

        void put(int v) { segment.setAtIndex(JAVA_INT_UNALIGNED, count++, v); }

        /** {@code n} bytes from {@code src} at {@code offset}, zero-padded to {@code padded} (a multiple of 4). */
        void putBytes(MemorySegment src, long offset, int n, int padded) {
            long at = count * 4;
            MemorySegment.copy(src, offset, segment, at, n);
            if (padded > n) segment.asSlice(at + n, padded - n).fill((byte) 0);
            count += padded / 4;
        }
    }

    private static final class Stats {
        long invocations, cycles, wordsIn, wordsOut, nanos;
    }
}
