package dev.kiln.collective.nccl;

import dev.kiln.bind.nccl.Nccl;
import dev.kiln.device.Availability;
import dev.kiln.device.Devices;

/**
 * The NCCL transport's availability, with the true reason when it is off. NCCL reduces CUDA device buffers; the
 * binding ({@link Nccl}) is checked against a stand-in libnccl on the CPU, but Kiln has no {@code Communicator}
 * over NCCL yet, so the transport is unavailable everywhere and says which step is missing on this machine:
 * the library, a CUDA device, or the communicator itself.
 *
 * <pre>{@code
 * if (!NcclTransport.isAvailable()) System.out.println("nccl: " + NcclTransport.unavailabilityCause());
 * }</pre>
 */
public final class NcclTransport {
    private NcclTransport() {}

    /** False until a NCCL {@code Communicator} over CUDA device buffers exists and has run on a GPU. */
    public static boolean isAvailable() { return false; }

    /** Why {@code nccl} cannot run here; never null. */
    public static String unavailabilityCause() {
        if (!Nccl.isAvailable()) return Nccl.unavailabilityCause();
        String version;
        try {
            version = "NCCL " + Nccl.versionString();
        } catch (RuntimeException e) {
            return Nccl.SONAME + " loads but ncclGetVersion failed: " + e.getMessage();
        }
        Availability cuda = Devices.find("cuda").map(b -> b.availability()).orElse(null);
        if (cuda == null) return version + " loads, but this build has no cuda backend";
        if (!cuda.available()) return version + " loads, but CUDA is unavailable: " + cuda.reason();
        return version + " and CUDA load, but Kiln has no Communicator over NCCL for CUDA device buffers yet (the binding is checked "
                + "against a stand-in libnccl only)";
    }
}
