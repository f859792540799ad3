package dev.kiln.device.fpga;

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
 *     plus both pipeline depths;</li>
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
     * @param phaseCycles      cycles by phase: config, weights, input, schedule, store (control overhead apart)
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

        // Valid taps per input column and per input row: the decoder's rectangle sides.
        int[] colTaps = new int[l.iw()];
        for (int ix = 0; ix < l.iw(); ix++) colTaps[ix] = Mm2imLayer.validTapsAt(ix, l.kw(), l.sw(), l.pl(), l.ow());

        // One image's streaming schedule for a group of nf filters (the same for every group of that size).
        long[] imageCost = new long[2];  // [0] nf = pe, [1] nf = rest
        long imageInvocations = 0;
        long[] imagePhase8 = new long[5], imagePhaseRest = new long[5];
        int rest = onAccelerator % pe;
        for (int g = 0; g < 2; g++) {
            int nf = g == 0 ? pe : rest;
            if (nf == 0) continue;
            long[] p = g == 0 ? imagePhase8 : imagePhaseRest;
            int wpp = Math.ceilDiv(nf, Mm2imLimits.BYTES_PER_WORD);
            int stored = 0;
            long calls = 0;
            for (int iy = 0; iy < l.ih(); iy++) {
                int rowTaps = Mm2imLayer.validTapsAt(iy, l.kh(), l.sh(), l.pt(), l.oh());
                int ready = iy == l.ih() - 1 ? l.oh() : (int) Math.clamp((long) (iy + 1) * l.sh() - l.pt(), 0, l.oh());
                for (int x0 = 0; x0 < l.iw(); x0 += chunk) {
                    int n = Math.min(chunk, l.iw() - x0);
                    calls++;
                    p[2] += 2 + (long) n * icw * 4;
                    long jobs = 0, decoder = 0;
                    for (int ix = x0; ix < x0 + n; ix++) {
                        long t = (long) rowTaps * colTaps[ix];
                        jobs += t;
                        decoder += Math.max(1, t);
                    }
                    long pes = jobs * icw;
                    p[3] += limits.cycDecoder() + (jobs > 0 ? Math.max(pes, decoder) + 1 + limits.cycPe() : 0);
                    if (x0 + n == l.iw() && ready > stored) {
                        p[4] += 2 + (long) (ready - stored) * l.ow() * wpp + limits.cycPpu();
                        stored = ready;
                    }
                }
            }
            if (g == 0) imageInvocations = calls;
            imageCost[g] = calls;
        }
        int fullGroups = onAccelerator / pe;
        int groups = fullGroups + (rest > 0 ? 1 : 0);
        // LOAD_CONFIG: once, and again when the last group is smaller.
        int configs = (fullGroups > 0 ? 1 : 0) + (rest > 0 ? 1 : 0);
        phase[0] += (long) configs * (Mm2imProtocol.CONFIG_WORDS + limits.accSize());
        invocations += configs;
        for (int g = 0; g < groups; g++) {
            int nf = g < fullGroups ? pe : rest;
            phase[1] += (long) nf * ((long) taps * icw * 4 + taps) + 3L * nf;
            invocations++;
            long[] p = g < fullGroups ? imagePhase8 : imagePhaseRest;
            for (int i = 2; i < 5; i++) phase[i] += batch * p[i];
            invocations += batch * (g < fullGroups ? imageInvocations : imageCost[1]);
        }
        long cycles = invocations * limits.cycControl();
        for (long c : phase) cycles += c;
        long accMacs = (long) batch * l.validTapRows() * l.validTapCols() * l.ic() * onAccelerator;
        long cpuMacs = (long) batch * l.validTapRows() * l.validTapCols() * l.ic() * (l.oc() - onAccelerator);
        double seconds = cycles / (clockMhz * 1e6);
        double host = invocations * hostMicrosPerInvocation * 1e-6;
        double gops = seconds > 0 ? 2.0 * accMacs / seconds * 1e-9 : 0;
        return new Prediction(cycles, invocations, phase, accMacs, cpuMacs, seconds, host, gops, gops / dsps, gops / peakGops());
    }
}
