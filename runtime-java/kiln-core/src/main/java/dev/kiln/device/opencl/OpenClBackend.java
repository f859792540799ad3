package dev.kiln.device.opencl;

import dev.kiln.bind.opencl.OpenCl;
import dev.kiln.bind.opencl.OpenClLibrary;
import dev.kiln.bind.opencl.OpenClQuery;
import dev.kiln.device.Availability;
import dev.kiln.device.JvmRequirements;
import dev.kiln.device.Backend;
import dev.kiln.device.Device;
import dev.kiln.device.DeviceInfo;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Map;

/**
 * OpenCL through the ICD loader ({@code libOpenCL.so.1}): every device of every platform, numbered in
 * platform order. Here that is PoCL on the CPU; on a GPU machine it is also the vendor's platform.
 */
public final class OpenClBackend implements Backend {
    /** A device as the loader reported it, with what {@code kiln devices} shows. */
    record Found(MemorySegment platform, MemorySegment device, DeviceInfo info) {}

    /** Discovery runs once per process, on first use, and never throws: a failure becomes the reason. */
    private static final class Discovery {
        static final Availability AVAILABILITY;
        static final List<Found> DEVICES;

        static {
            Availability availability;
            List<Found> found = new ArrayList<>();
            if (!OpenClLibrary.isAvailable()) {
                availability = Availability.no(OpenClLibrary.unavailabilityCause());
            } else {
                try {
                    List<MemorySegment> platforms = OpenClQuery.platforms();
                    for (MemorySegment p : platforms) {
                        for (MemorySegment d : OpenClQuery.devices(p, OpenCl.CL_DEVICE_TYPE_ALL)) {
                            found.add(new Found(p, d, describe(found.size(), p, d)));
                        }
                    }
                    availability = platforms.isEmpty() ? Availability.no("no OpenCL platform: the ICD loader found none (install pocl-opencl-icd or a GPU driver's ICD)")
                            : found.isEmpty() ? Availability.no("no OpenCL device on " + platforms.size() + " platform(s)")
                            : inProcessLlvm(found).flatMap(JvmRequirements::signalChainingProblem).map(Availability::no).orElse(Availability.yes());
                } catch (RuntimeException | LinkageError e) {
                    availability = Availability.no("OpenCL discovery failed: " + e.getMessage());
                    found.clear();
                }
            }
            AVAILABILITY = availability;
            DEVICES = List.copyOf(found);
        }
    }

    /** For {@link java.util.ServiceLoader}. */
    public OpenClBackend() {}

    @Override public String name() { return "opencl"; }

    @Override public int priority() { return 10; }

    @Override public Availability availability() { return Discovery.AVAILABILITY; }

    @Override public List<DeviceInfo> devices() { return Discovery.DEVICES.stream().map(Found::info).toList(); }

    @Override
    public Device open(int index) {
        Availability a = availability();
        if (!a.available()) throw new IllegalStateException("opencl backend is not available: " + a.reason());
        if (index < 0 || index >= Discovery.DEVICES.size()) {
            throw new IllegalArgumentException("opencl device index " + index + " does not exist; devices are 0.." + (Discovery.DEVICES.size() - 1));
        }
        return new OpenClDevice(Discovery.DEVICES.get(index));
    }

    /** The first platform that compiles kernels with LLVM inside the process (PoCL), if any. */
    private static Optional<String> inProcessLlvm(List<Found> found) {
        return found.stream().map(f -> f.info().properties().get("platform"))
                .filter(name -> name != null && (name.contains("Portable Computing Language") || name.toLowerCase(Locale.ROOT).contains("pocl")))
                .findFirst();
    }

    private static DeviceInfo describe(int index, MemorySegment platform, MemorySegment device) {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("platform", OpenClQuery.platformString(platform, OpenCl.CL_PLATFORM_NAME));
        p.put("platformVersion", OpenClQuery.platformString(platform, OpenCl.CL_PLATFORM_VERSION));
        p.put("driverVersion", OpenClQuery.deviceString(device, OpenCl.CL_DRIVER_VERSION));
        p.put("openclVersion", OpenClQuery.deviceString(device, OpenCl.CL_DEVICE_VERSION));
        p.put("openclCVersion", OpenClQuery.deviceString(device, OpenCl.CL_DEVICE_OPENCL_C_VERSION));
        p.put("type", type(OpenClQuery.deviceLong(device, OpenCl.CL_DEVICE_TYPE)));
        p.put("kernelShape", p.get("type").equals("CPU") ? "cpu" : "gpu"); // DeviceInfo.cpuShapedKernels
        p.put("maxWorkGroupSize", Long.toString(OpenClQuery.deviceLong(device, OpenCl.CL_DEVICE_MAX_WORK_GROUP_SIZE)));
        p.put("localMemBytes", Long.toString(OpenClQuery.deviceLong(device, OpenCl.CL_DEVICE_LOCAL_MEM_SIZE)));
        p.put("maxAllocBytes", Long.toString(OpenClQuery.deviceLong(device, OpenCl.CL_DEVICE_MAX_MEM_ALLOC_SIZE)));
        p.put("maxClockMHz", Integer.toString(OpenClQuery.deviceInt(device, OpenCl.CL_DEVICE_MAX_CLOCK_FREQUENCY)));
        return new DeviceInfo("opencl", index,
                OpenClQuery.deviceString(device, OpenCl.CL_DEVICE_NAME),
                OpenClQuery.deviceString(device, OpenCl.CL_DEVICE_VENDOR),
                OpenClQuery.deviceInt(device, OpenCl.CL_DEVICE_MAX_COMPUTE_UNITS),
                OpenClQuery.deviceLong(device, OpenCl.CL_DEVICE_GLOBAL_MEM_SIZE),
                (int) Math.min(Integer.MAX_VALUE, OpenClQuery.deviceLong(device, OpenCl.CL_DEVICE_MAX_WORK_GROUP_SIZE)),
                p);
    }

    private static String type(long bits) {
        if ((bits & OpenCl.CL_DEVICE_TYPE_GPU) != 0) return "GPU";
        if ((bits & OpenCl.CL_DEVICE_TYPE_CPU) != 0) return "CPU";
        if ((bits & OpenCl.CL_DEVICE_TYPE_ACCELERATOR) != 0) return "ACCELERATOR";
        return "0x" + Long.toHexString(bits);
    }
}
