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
}
