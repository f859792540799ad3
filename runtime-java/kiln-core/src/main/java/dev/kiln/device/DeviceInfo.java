package dev.kiln.device;

import java.util.Map;

/**
 * What a device is: enough for {@code kiln devices} and for choosing work sizes.
 *
 * @param computeUnits     streaming multiprocessors, OpenCL compute units, or CPU cores
 * @param globalMemoryBytes device memory (host memory for the cpu backend)
 * @param properties       backend-specific extras, printed as they are (driver version, compute capability...)
 */
public record DeviceInfo(String backend, int index, String name, String vendor, int computeUnits,
                         long globalMemoryBytes, int maxWorkGroupSize, Map<String, String> properties) {
    public DeviceInfo {
        properties = Map.copyOf(properties);
    }

    /**
     * Whether the device's kernels take their CPU shape: property {@code kernelShape} is {@code cpu}, which the
     * OpenCL backend sets for a device of type CPU (PoCL). It then builds every program with
     * {@code -DKILN_CPU_DEVICE=1} (see {@code kiln_portable.h}), and the host launches such kernels with the work
     * sizes of that shape (one item per group, one task per item).
     */
    public boolean cpuShapedKernels() {
        return "cpu".equals(properties.get("kernelShape"));
    }

    /** This description with one property set (added or replaced). */
    public DeviceInfo withProperty(String key, String value) {
        Map<String, String> p = new java.util.LinkedHashMap<>(properties);
        p.put(key, value);
        return new DeviceInfo(backend, index, name, vendor, computeUnits, globalMemoryBytes, maxWorkGroupSize, p);
    }
}
