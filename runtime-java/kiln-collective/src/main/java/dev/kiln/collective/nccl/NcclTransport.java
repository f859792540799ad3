package dev.kiln.collective.nccl;

import dev.kiln.bind.nccl.Nccl;

/**
 * The NCCL transport's availability. NCCL reduces CUDA device buffers; it becomes a {@code Communicator}
 * once the cuda backend's device buffers are merged (the binding itself is in {@link Nccl}). On a machine
 * without a GPU it is unavailable and says why.
 */
public final class NcclTransport {
    private NcclTransport() {}

    public static boolean isAvailable() { return Nccl.isAvailable(); }

    public static String unavailabilityCause() {
        return Nccl.isAvailable() ? null : Nccl.unavailabilityCause();
    }
}
