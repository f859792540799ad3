package dev.kiln.device.fpga;

/**
 * Time model of the paper's CPU baseline: TFLite's optimised int8 {@code TRANSPOSE_CONV} (IOM: a ruy GEMM
 * over every tap, then col2im and requantisation) on the PYNQ-Z1's dual Cortex-A9 at 650 MHz with NEON, two
 * threads. Every rate here is an assumption stated in docs/hls.md, not a measurement: we have no board.
 *
 * @param cores              threads (the paper: 2)
 * @param clockMhz           A9 clock (650 MHz on the PYNQ-Z1)
 * @param gemmMacsPerCycle   sustained int8 MACs per cycle per core in the GEMM (NEON {@code vmull.s8}/{@code vpadal}
 *                           peak is 8 on a 64-bit datapath; ruy on ARMv7 sustains a fraction of it)
 * @param col2imCyclesPerAdd cycles per int32 scatter-add in col2im, per core
 * @param requantCyclesPerOutput cycles per output element for bias + requantisation + clamp, per core
 */
public record CpuBaselineModel(int cores, double clockMhz, double gemmMacsPerCycle, double col2imCyclesPerAdd,
                               double requantCyclesPerOutput) {
    public CpuBaselineModel {
        if (cores < 1 || !(clockMhz > 0) || !(gemmMacsPerCycle > 0) || col2imCyclesPerAdd < 0 || requantCyclesPerOutput < 0) {
            throw new IllegalArgumentException("CPU model needs cores >= 1 and positive rates, was " + cores + ", " + clockMhz + " MHz, "
                    + gemmMacsPerCycle + " MAC/cycle");
        }
    }

    /** Two A9 cores at 650 MHz, 2 sustained int8 MACs per cycle per core, 1 cycle per col2im add, 4 per output. */
    public static CpuBaselineModel pynqZ1TwoThreads() { return new CpuBaselineModel(2, 650, 2.0, 1.0, 4.0); }

    /** IOM time for {@code batch} images: GEMM over every tap, col2im of every product row, requantisation. */
    public double seconds(Mm2imLayer l, int batch) {
        long taps = (long) l.kh() * l.kw();
        double gemmMacs = (double) batch * l.ih() * l.iw() * taps * l.ic() * l.oc();
        double adds = (double) batch * l.ih() * l.iw() * taps * l.oc();
        double outputs = (double) batch * l.outputBytes();
        double cycles = gemmMacs / gemmMacsPerCycle + adds * col2imCyclesPerAdd + outputs * requantCyclesPerOutput;
        return cycles / (cores * clockMhz * 1e6);
    }

    /** Time for {@code macs} MACs of the MM2IM loop run on the host for leftover filters (one thread, as the driver does). */
    public double leftoverSeconds(long macs) { return macs / gemmMacsPerCycle / (clockMhz * 1e6); }
}
