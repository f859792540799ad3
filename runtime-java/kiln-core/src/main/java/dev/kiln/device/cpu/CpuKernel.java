package dev.kiln.device.cpu;

/**
 * A kernel for the cpu backend: plain Java (the Vector API is welcome) that runs a whole NDRange.
 * It may split the work across cores with {@link CpuParallel}.
 */
@FunctionalInterface
public interface CpuKernel {
    void run(CpuLaunch launch);
}
