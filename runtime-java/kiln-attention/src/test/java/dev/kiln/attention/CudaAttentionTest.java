package dev.kiln.attention;

import dev.kiln.attention.helix.HelixVerification;

/** The attention suite on CUDA; skipped with the driver's reason where there is no GPU. */
class CudaAttentionTest extends DeviceAttentionSuite {
    @Override
    String backend() { return "cuda"; }

    /** The whole matrix of {@code kiln helix verify}: seconds on a GPU. */
    @Override
    HelixVerification.Options helixOptions(long seed) { return HelixVerification.Options.full(seed); }
}
