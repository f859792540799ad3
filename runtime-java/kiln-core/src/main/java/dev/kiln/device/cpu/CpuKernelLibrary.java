package dev.kiln.device.cpu;

import java.util.Map;

/**
 * The cpu backend's counterpart of an OpenCL program or a PTX module: named kernels in Java.
 * Workloads provide theirs through {@link java.util.ServiceLoader} ({@code provides} in module-info).
 */
public interface CpuKernelLibrary {
    /** Program name, the same one the {@code .cl} / {@code .cu} file carries. */
    String program();

    Map<String, CpuKernel> kernels();
}
