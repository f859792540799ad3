package dev.kiln.device;

import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.ServiceLoader;

/**
 * Finds the backends ({@link ServiceLoader}) and opens devices: by name, or the best available one
 * (cuda, then opencl, then cpu). Fixed-function backends (the FPGA's) are opened only by name.
 *
 * <pre>{@code
 * try (Device device = Devices.open("auto")) {      // or "cpu", "opencl", "cuda", "fpga-sim"
 *     System.out.println(device.info().name());
 * }
 * }</pre>
 */
public final class Devices {
    private static final List<Backend> BACKENDS = ServiceLoader.load(Backend.class, Devices.class.getClassLoader()).stream()
            .map(ServiceLoader.Provider::get)
            .sorted(Comparator.comparingInt(Backend::priority).reversed())
            .toList();

    private Devices() {}

    /** Every backend Kiln knows, best first, available or not. */
    public static List<Backend> backends() { return BACKENDS; }

    public static Optional<Backend> find(String name) {
        return BACKENDS.stream().filter(b -> b.name().equals(name)).findFirst();
    }

    /** The backend named, which must be available; {@code auto} picks the best available one. */
    public static Backend backend(String name) {
        if (name == null || name.equals("auto")) {
            return BACKENDS.stream().filter(b -> b.generalPurpose() && b.availability().available() && !b.devices().isEmpty())
                    .findFirst().orElseThrow(() -> new IllegalStateException("no general-purpose backend is available: " + String.join("; ",
                            BACKENDS.stream().filter(Backend::generalPurpose).map(b -> b.name() + ": " + (b.availability().available() ? "no device" : b.availability().reason())).toList())));
        }
        Backend backend = find(name).orElseThrow(() -> new IllegalArgumentException(
                "unknown backend '" + name + "'; known: " + BACKENDS.stream().map(Backend::name).toList() + " or auto"));
        Availability a = backend.availability();
        if (!a.available()) {
            throw new IllegalStateException("backend '" + name + "' is not available here: " + a.reason());
        }
        return backend;
    }

    /** Device 0 of the named backend ({@code auto} for the best). */
    public static Device open(String backendName) {
        return backend(backendName).open(0);
    }

    /** Names of the general-purpose backends that are available here, best first (fixed-function ones only by name). */
    public static List<String> availableNames() {
        return BACKENDS.stream().filter(b -> b.availability().available() && b.generalPurpose()).map(Backend::name).toList();
    }
}
