package dev.kiln.device.cuda;

import dev.kiln.device.KilnNativeException;
import dev.kiln.bind.cuda.Cuda;
import dev.kiln.bind.cuda.CudaLibrary;
import dev.kiln.bind.cuda.CudaStatus;
import dev.kiln.device.Availability;
import dev.kiln.device.Backend;
import dev.kiln.device.Device;
import dev.kiln.device.DeviceInfo;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * NVIDIA GPUs through the CUDA driver API ({@code libcuda.so.1}); kernels are the PTX (sm_90) that the
 * build compiled from {@code kernels/cuda/*.cu}. Without the driver, or without a device, the backend
 * reports why and everything else runs.
 */
public final class CudaBackend implements Backend {
    /** Discovery runs once per process, on first use, and never throws: a failure becomes the reason. */
    private static final class Discovery {
        static final Availability AVAILABILITY;
        static final List<DeviceInfo> DEVICES;

        static {
            Availability availability;
            List<DeviceInfo> found = new ArrayList<>();
            if (!CudaLibrary.isAvailable()) {
                availability = Availability.no(CudaLibrary.unavailabilityCause());
            } else {
                try {
                    CudaStatus.check(Cuda.cuInit(0), "cuInit");
                    int count = readInt(Cuda::cuDeviceGetCount, "cuDeviceGetCount");
                    for (int i = 0; i < count; i++) found.add(describe(i));
                    availability = count == 0 ? Availability.no("no CUDA device: the driver loaded and found none") : Availability.yes();
                } catch (KilnNativeException e) {
                    availability = Availability.no("CUDA driver present but unusable: " + e.getMessage().lines().findFirst().orElse(""));
                    found.clear();
                } catch (RuntimeException | LinkageError e) {
                    availability = Availability.no("CUDA discovery failed: " + e);
                    found.clear();
                }
            }
            AVAILABILITY = availability;
            DEVICES = List.copyOf(found);
        }
    }

    /** For {@link java.util.ServiceLoader}. */
    public CudaBackend() {}

    @Override public String name() { return "cuda"; }

    @Override public int priority() { return 20; }

    @Override public Availability availability() { return Discovery.AVAILABILITY; }

    @Override public List<DeviceInfo> devices() { return Discovery.DEVICES; }

    @Override
    public Device open(int index) {
        Availability a = availability();
        if (!a.available()) throw new IllegalStateException("cuda backend is not available: " + a.reason());
        if (index < 0 || index >= Discovery.DEVICES.size()) {
            throw new IllegalArgumentException("cuda device index " + index + " does not exist; devices are 0.." + (Discovery.DEVICES.size() - 1));
        }
        return new CudaDevice(Discovery.DEVICES.get(index));
    }

    private interface IntOut { int call(MemorySegment out); }

    private static int readInt(IntOut call, String function) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(ValueLayout.JAVA_INT);
            CudaStatus.check(call.call(out), function);
            return out.get(ValueLayout.JAVA_INT, 0);
        }
    }

    /** The {@code CUdevice} of ordinal {@code ordinal} (in practice the same number, but the API does not promise it). */
    static int device(int ordinal) {
        return readInt(out -> Cuda.cuDeviceGet(out, ordinal), "cuDeviceGet");
    }

    private static int attribute(int device, int attribute) {
        return readInt(out -> Cuda.cuDeviceGetAttribute(out, attribute, device), "cuDeviceGetAttribute");
    }

    private static DeviceInfo describe(int ordinal) {
        try (Arena arena = Arena.ofConfined()) {
            int device = device(ordinal);
            MemorySegment name = arena.allocate(256);
            CudaStatus.check(Cuda.cuDeviceGetName(name, 256, device), "cuDeviceGetName");
            MemorySegment total = arena.allocate(ValueLayout.JAVA_LONG);
            CudaStatus.check(Cuda.cuDeviceTotalMem(total, device), "cuDeviceTotalMem_v2");
            int driver = readInt(Cuda::cuDriverGetVersion, "cuDriverGetVersion");
            int sms = attribute(device, Cuda.CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT);
            Map<String, String> p = new LinkedHashMap<>();
            p.put("computeCapability", attribute(device, Cuda.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR) + "."
                    + attribute(device, Cuda.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR));
            p.put("multiprocessors", Integer.toString(sms));
            p.put("driverVersion", (driver / 1000) + "." + (driver % 1000) / 10);
            p.put("clockMHz", Integer.toString(attribute(device, Cuda.CU_DEVICE_ATTRIBUTE_CLOCK_RATE) / 1000));
            p.put("sharedMemPerBlockBytes", Integer.toString(attribute(device, Cuda.CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK)));
            p.put("sharedMemPerBlockOptinBytes", Integer.toString(attribute(device, Cuda.CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN)));
            p.put("l2CacheBytes", Integer.toString(attribute(device, Cuda.CU_DEVICE_ATTRIBUTE_L2_CACHE_SIZE)));
            p.put("memoryBusBits", Integer.toString(attribute(device, Cuda.CU_DEVICE_ATTRIBUTE_GLOBAL_MEMORY_BUS_WIDTH)));
            p.put("warpSize", Integer.toString(attribute(device, Cuda.CU_DEVICE_ATTRIBUTE_WARP_SIZE)));
            return new DeviceInfo("cuda", ordinal, name.getString(0), "NVIDIA", sms, total.get(ValueLayout.JAVA_LONG, 0),
                    attribute(device, Cuda.CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_BLOCK), p);
        }
    }
}
