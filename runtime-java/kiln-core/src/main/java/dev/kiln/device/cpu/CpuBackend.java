package dev.kiln.device.cpu;

import dev.kiln.device.Availability;
import dev.kiln.device.Backend;
import dev.kiln.device.Device;
import dev.kiln.device.DeviceInfo;
import dev.kiln.device.JvmRequirements;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.function.Function;
import java.util.stream.Collectors;

/** Pure Java, always available: the fallback and the reference every other backend is checked against. */
public final class CpuBackend implements Backend {
    /** For {@link java.util.ServiceLoader}. */
    public CpuBackend() {}

    @Override public String name() { return "cpu"; }

    @Override public int priority() { return 0; }

    @Override
    public Availability availability() {
        return JvmRequirements.vectorApiProblem().map(Availability::no).orElse(Availability.yes());
    }

    @Override
    public List<DeviceInfo> devices() {
        return List.of(new DeviceInfo("cpu", 0, cpuModel(), System.getProperty("os.arch"), CpuParallel.threads(),
                Runtime.getRuntime().maxMemory(), 1,
                Map.of("threads", Integer.toString(CpuParallel.threads()),
                        "java", Runtime.version().toString(),
                        "vectorBits", JvmRequirements.vectorApiProblem().isPresent() ? "off: no Vector API"
                                : Integer.toString(jdk.incubator.vector.FloatVector.SPECIES_PREFERRED.vectorBitSize()),
                        "nativeKernels", CpuNativeKernels.isAvailable() ? "libkiln_cpu (AVX-512)" : "off: " + CpuNativeKernels.unavailabilityCause())));
    }

    @Override
    public Device open(int index) {
        if (index != 0) throw new IllegalArgumentException("cpu backend has one device (index 0), asked for " + index);
        JvmRequirements.vectorApiProblem().ifPresent(problem -> { throw new IllegalStateException("cpu backend: " + problem); });
        Map<String, CpuKernelLibrary> libraries = ServiceLoader.load(CpuKernelLibrary.class, CpuBackend.class.getClassLoader()).stream()
                .map(ServiceLoader.Provider::get)
                .collect(Collectors.toMap(CpuKernelLibrary::program, Function.identity()));
        return new CpuDevice(devices().getFirst(), libraries);
    }

    private static String cpuModel() {
        try {
            return Files.readAllLines(Path.of("/proc/cpuinfo")).stream()
                    .filter(l -> l.startsWith("model name")).map(l -> l.substring(l.indexOf(':') + 1).strip())
                    .findFirst().orElse("cpu");
        } catch (Exception e) {
            return "cpu";
        }
    }
}
