package dev.kiln.attention;

import dev.kiln.attention.helix.HelixVerification;

import java.util.List;

/** The attention suite on OpenCL: PoCL on this machine's CPU, so the kernels in their CPU shape (OpenClGpuShapeAttentionTest runs the GPU shape); the same sources CUDA compiles. */
class OpenClAttentionTest extends DeviceAttentionSuite {
    @Override
    String backend() { return "opencl"; }

    /** GQA and MLA over KVP 1, 3 and 4 (zero-token ranks at S short), bf16 and the merge checks: PoCL is a CPU. */
    @Override
    HelixVerification.Options helixOptions(long seed) {
        return new HelixVerification.Options(List.of("gqa", "mla"), new int[]{1, 3, 4}, 1, 16, true, seed);
    }
}
