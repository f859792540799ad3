package dev.kiln.device.fpga;

import dev.kiln.device.Event;

/**
 * A finished MM2IM launch. {@link #elapsedNanos()} is the whole TCONV's time: accelerator time (the counted
 * cycles at {@value #CLOCK_MHZ} MHz on fpga-sim, the simulated device's own counter; the measured run time
 * on XRT) plus the measured host time of the leftover filters computed on the CPU.
 */
public record Mm2imEvent(Mm2imRunStats stats, long hostNanos) implements Event {
    public static final double CLOCK_MHZ = 200.0;

    @Override public void await() {}

    @Override
    public long elapsedNanos() {
        long accelerator = stats.countedCycles() >= 0 ? Math.round(stats.countedCycles() * 1000.0 / CLOCK_MHZ) : stats.portNanos();
        return accelerator + stats.cpuNanos();
    }
}
