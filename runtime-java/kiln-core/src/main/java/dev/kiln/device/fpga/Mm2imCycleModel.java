package dev.kiln.device.fpga;

import java.util.List;

/**
 * Cycle model of the MM2IM accelerator and its driver, from the loop bounds and initiation intervals of
 * {@code hls/mm2im/mm2im.cpp} (no simulation): the same invocation sequence {@link Mm2imDriver} issues, each
 * costed as its loops are pipelined.
 *
 * <ul>
 * <li>every invocation: {@code CYC_CONTROL} (AXI-Lite start → done);</li>
 * <li>LOAD_CONFIG: 13 words at II=1, then the accumulator clear ({@code ACC_SIZE} cycles, PEs in parallel);</li>
 * <li>LOAD_WGT: one cycle per 32-bit word ({@code nf·(Kh·Kw·⌈Ic/16⌉·4 + Kh·Kw)}), then 3 words per filter;</li>
 * <li>LOAD_INP: 2 header words + one cycle per input word ({@code pixels·⌈Ic/16⌉·4});</li>
 * <li>SCHEDULE: the decoder emits one valid tap per cycle (a pixel with none costs one), the PE array takes
 *     {@code ⌈Ic/16⌉} cycles per tap (II=1 over tap × depth); they run as a dataflow, so the longer of the two,
 *     plus both pipeline depths. It runs concurrently with the LOAD_INP of the next chunk (the other input
 *     bank), so an invocation costs the longer of the two;</li>
 * <li>STORE: 2 header words + one cycle per output word ({@code rows·Ow·⌈nf/4⌉}) + the PPU depth.</li>
 * </ul>
 * The host side adds a fixed cost per invocation (AXI-Lite writes, DMA descriptors, waiting for the
 * interrupt on the ARM cores); {@link #hostMicrosPerInvocation} is an assumption, not a measurement.
 */
public record Mm2imCycleModel(Mm2imLimits limits, double clockMhz, double hostMicrosPerInvocation, int dsps) {
    /** Assumed host cost per invocation on the PYNQ-Z1's 650 MHz Cortex-A9 (driver + DMA setup + completion). */
    public static final double DEFAULT_HOST_MICROS = 2.0;
    /**
     * DSP48E1 estimate: 8 PEs × 16 int8 multipliers (one DSP each, no INT8 packing) plus 8 PPU
     * 32×32-bit multipliers at 4 DSPs each. An estimate from the datapath, not a synthesis report.
     */
    public static final int ESTIMATED_DSPS = 8 * 16 + 8 * 4;

    public Mm2imCycleModel {
        if (!(clockMhz > 0)) throw new IllegalArgumentException("clockMhz must be > 0, was " + clockMhz);
        if (hostMicrosPerInvocation < 0) throw new IllegalArgumentException("hostMicrosPerInvocation must be >= 0, was " + hostMicrosPerInvocation);
        if (dsps < 1) throw new IllegalArgumentException("dsps must be >= 1, was " + dsps);
    }

    /** The accelerator as built, at the PYNQ-Z1's 200 MHz PL clock. */
    public static Mm2imCycleModel pynqZ1() {
        return new Mm2imCycleModel(Mm2imLimits.BUILT, 200.0, DEFAULT_HOST_MICROS, ESTIMATED_DSPS);
    }

    /** Peak int8 throughput in GOP/s (2 ops per MAC). */
    public double peakGops() { return 2.0 * limits.peCount() * limits.uf() * clockMhz * 1e-3; }

    /**
     * @param cycles           accelerator cycles (sum over invocations)
     * @param invocations      accelerator invocations
     * @param phaseCycles      cycles by phase: config, weights, input, schedule, store (control overhead apart;
     *                         input and schedule overlap, so the total is less than their sum)
     * @param acceleratorMacs  useful MACs done on the accelerator
     * @param cpuLeftoverMacs  useful MACs of the leftover filters, done on the host CPU
     */
    public record Prediction(long cycles, long invocations, long[] phaseCycles, long acceleratorMacs, long cpuLeftoverMacs,
                             double acceleratorSeconds, double hostSeconds, double gops, double gopsPerDsp, double peakFraction) {
        /** Accelerator plus per-invocation host time (the leftover filters' CPU time is added by the caller's CPU model). */
        public double systemSeconds() { return acceleratorSeconds + hostSeconds; }
    }

    public Prediction predict(Mm2imLayer l, int batch, Mm2imDriver.Leftover leftover) {
        if (batch < 1) throw new IllegalArgumentException("batch must be >= 1, was " + batch);
        limits.whyNotFits(l).ifPresent(why -> {
            throw new IllegalArgumentException("layer does not fit the MM2IM accelerator: " + why);
        });
        int pe = limits.peCount();
        int onAccelerator = leftover == Mm2imDriver.Leftover.ACCELERATOR ? l.oc() : l.oc() / pe * pe;
        int icw = limits.icWords(l.ic()), taps = l.kh() * l.kw(), chunk = limits.chunkPixels(l.ic());
        long[] phase = new long[5];
        long invocations = 0;

        // Valid taps per input column: the decoder's rectangle widths.
        int[] colTaps = new int[l.iw()];
        for (int ix = 0; ix < l.iw(); ix++) colTaps[ix] = Mm2imLayer.validTapsAt(ix, l.kw(), l.sw(), l.pl(), l.ow());
        List<Mm2imDriver.Chunk> chunks = Mm2imDriver.chunks(l, batch, chunk);
        long[] load = new long[chunks.size()], sched = new long[chunks.size()];
        for (int k = 0; k < chunks.size(); k++) {
            Mm2imDriver.Chunk c = chunks.get(k);
            load[k] = 2 + (long) c.n() * icw * 4;
            int rowTaps = Mm2imLayer.validTapsAt(c.iy(), l.kh(), l.sh(), l.pt(), l.oh());
            long jobs = 0, decoder = 0;
            for (int ix = c.x0(); ix < c.x0() + c.n(); ix++) {
                long t = (long) rowTaps * colTaps[ix];
                jobs += t;
                decoder += Math.max(1, t);  // a pixel without valid taps still takes the decoder a cycle
            }
            // Decoder (1 tap/cycle) and PEs (ceil(Ic/16) cycles/tap) overlap as a dataflow.
            sched[k] = jobs > 0 ? limits.cycDecoder() + Math.max(jobs * icw, decoder) + 1 + limits.cycPe() : 0;
        }

        int fullGroups = onAccelerator / pe, rest = onAccelerator % pe;
        int groups = fullGroups + (rest > 0 ? 1 : 0);
        // LOAD_CONFIG: once, and again when the last group is smaller.
        int configs = (fullGroups > 0 ? 1 : 0) + (rest > 0 ? 1 : 0);
        phase[0] += (long) configs * (Mm2imProtocol.CONFIG_WORDS + limits.accSize());
        invocations += configs;
        long overlapped = 0;
        for (int g = 0; g < groups; g++) {
            int nf = g < fullGroups ? pe : rest;
            phase[1] += (long) nf * ((long) taps * icw * 4 + taps) + 3L * nf;
            invocations++;
            int wpp = Math.ceilDiv(nf, Mm2imLimits.BYTES_PER_WORD);
            // Invocation k loads chunk k while computing chunk k-1, then stores the rows chunk k-1 completed.
            int stored = 0, storedImage = 0;
            for (int k = 0; k <= chunks.size(); k++) {
                long ld = k < chunks.size() ? load[k] : 0, sc = k > 0 ? sched[k - 1] : 0;
                phase[2] += ld;
                phase[3] += sc;
                overlapped += Math.max(ld, sc);
                invocations++;
                if (k > 0) {
                    Mm2imDriver.Chunk done = chunks.get(k - 1);
                    if (done.b() != storedImage) {
                        storedImage = done.b();
                        stored = 0;
                    }
                    if (done.rowEnd() && done.ready() > stored) {
                        phase[4] += 2 + (long) (done.ready() - stored) * l.ow() * wpp + limits.cycPpu();
                        stored = done.ready();
                    }
                }
            }
        }
        long cycles = invocations * limits.cycControl() + phase[0] + phase[1] + overlapped + phase[4];
        long accMacs = (long) batch * l.validTapRows() * l.validTapCols() * l.ic() * onAccelerator;
        long cpuMacs = (long) batch * l.validTapRows() * l.validTapCols() * l.ic() * (l.oc() - onAccelerator);
        double seconds = cycles / (clockMhz * 1e6);
        double host = invocations * hostMicrosPerInvocation * 1e-6;
        double gops = seconds > 0 ? 2.0 * accMacs / seconds * 1e-9 : 0;
        return new Prediction(cycles, invocations, phase, accMacs, cpuMacs, seconds, host, gops, gops / dsps, gops / peakGops());
    }
}
