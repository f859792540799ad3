package dev.kiln.collective.nccl;

import dev.kiln.bind.nccl.Nccl;
import dev.kiln.device.Availability;
import dev.kiln.device.Backend;
import dev.kiln.device.Devices;

/**
 * Whether the NCCL transport ({@link NcclCommunicator}) can run here, with the true reason when it cannot: no
 * libnccl, a libnccl that fails, no cuda backend, or CUDA without a device. It needs libnccl.so.2 and at least
 * one CUDA device. The communicator is checked on the CPU against a stand-in libnccl and libcuda; its run on a
 * GPU is pending, and {@link #describe()} says so.
 *
 * <pre>{@code
 * Availability nccl = NcclTransport.availability();
 * System.out.println("nccl: " + (nccl.available() ? NcclTransport.describe() : nccl.reason()));
 * }</pre>
 */
public final class NcclTransport {
    private NcclTransport() {}

    /** Available when libnccl loads, answers its version, and the cuda backend sees a device. */
    public static Availability availability() {
        if (!Nccl.isAvailable()) return Availability.no(Nccl.unavailabilityCause());
        String version;
        try {
            version = "NCCL " + Nccl.versionString();
        } catch (RuntimeException e) {
            return Availability.no(Nccl.SONAME + " loads but ncclGetVersion failed: " + e.getMessage());
        }
        Backend cuda = Devices.find("cuda").orElse(null);
        if (cuda == null) return Availability.no(version + " loads, but this build has no cuda backend");
        Availability a = cuda.availability();
        if (!a.available()) return Availability.no(version + " loads, but CUDA is unavailable: " + a.reason());
        if (cuda.devices().isEmpty()) return Availability.no(version + " loads, but the CUDA driver sees no device");
        return Availability.yes();
    }

    public static boolean isAvailable() { return availability().available(); }

    /** Why {@code nccl} cannot run here; null when it can (then see {@link #describe()}). */
    public static String unavailabilityCause() { return availability().reason(); }

    /** For an available transport: the library version and the devices, and that no GPU run has checked it yet. */
    public static String describe() {
        Availability a = availability();
        if (!a.available()) return "unavailable: " + a.reason();
        int devices = Devices.find("cuda").orElseThrow().devices().size();
        return "NCCL " + Nccl.versionString() + " over " + devices + " CUDA device" + (devices == 1 ? "" : "s")
                + " (checked against a stand-in libnccl on the CPU; GPU run pending)";
    }
}
