package dev.kiln.device;

import java.util.List;

/**
 * A way to run kernels: cpu, opencl, cuda, fpga-sim. Found through {@link java.util.ServiceLoader};
 * the pure-Java cpu backend is always present. A backend that cannot run here says why
 * ({@link #availability()}) instead of failing at class loading.
 */
public interface Backend {
    /** Short name used on the command line: {@code cpu}, {@code opencl}, {@code cuda}, ... */
    String name();

    /** Higher wins when Kiln picks a backend by itself (cuda over opencl over cpu). */
    int priority();

    Availability availability();

    /** The devices this backend sees; empty when unavailable. */
    List<DeviceInfo> devices();

    /**
     * Whether this backend runs Kiln's kernel programs in general (cpu, opencl, cuda). A fixed-function
     * accelerator with one built-in kernel (the fpga backends) says false, so that loops over "every
     * available backend" ({@code kiln demo}, {@code --backend all}) leave it out; it is still listed by
     * {@code kiln devices} and opened by name.
     */
    default boolean generalPurpose() { return true; }

    /** Opens device {@code index}; the caller closes it. */
    Device open(int index);
}
