package dev.kiln.device.fpga;

/**
 * What one driver run did.
 *
 * @param invocations         accelerator invocations (AXI-Lite starts, one DMA transfer each way at most)
 * @param countedCycles       accelerator cycles summed over the invocations (counted by the C simulation;
 *                            -1 when the port cannot count them)
 * @param wordsIn             32-bit words streamed to the accelerator
 * @param wordsOut            32-bit words streamed back
 * @param portNanos           host wall time spent inside the port (simulation or XRT calls)
 * @param cpuNanos            host wall time of the leftover filters computed on the CPU
 * @param filtersOnAccelerator output channels computed by the accelerator
 * @param filtersOnCpu        output channels computed on the host CPU (the {@code Oc mod 8} leftover)
 * @param leftoverFilters     {@code Oc mod 8}
 */
public record Mm2imRunStats(long invocations, long countedCycles, long wordsIn, long wordsOut, long portNanos, long cpuNanos,
                            int filtersOnAccelerator, int filtersOnCpu, int leftoverFilters) {
    /** Counted accelerator time at {@code mhz} MHz, in seconds. */
    public double acceleratorSeconds(double mhz) { return countedCycles / (mhz * 1e6); }
}
