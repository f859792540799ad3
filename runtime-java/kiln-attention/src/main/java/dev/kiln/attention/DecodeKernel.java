package dev.kiln.attention;

import dev.kiln.device.Device;

/**
 * Which device kernel computes the split-KV partial states. Both take the same arguments and write the
 * same partial states, which {@link AttentionKernels#merge} combines on the device.
 */
public enum DecodeKernel {
    /**
     * {@code split_kv_decode} ({@code attention.cl}; on the cpu backend the Java/native kernels): one
     * work-item computes a whole score from its own K row.
     */
    SPLIT_KV,
    /**
     * {@code flash_decode_f32} / {@code flash_decode_bf16} ({@code flash_decode.cl}, OpenCL and CUDA only).
     * On a GPU: a warp per K row (coalesced), scores reduced across lanes, every head of the group on one
     * read of K and V. On an OpenCL CPU device (PoCL) the same source builds its CPU shape: one work-item
     * per task, 16-wide vectors, four heads at a time in registers, the next tile prefetched.
     */
    FLASH;

    /**
     * The kernel a device uses unless told otherwise: FLASH on CUDA and OpenCL (on PoCL its CPU shape runs
     * several times faster than SPLIT_KV: {@code kiln helix device-bench --backend opencl} measures both side
     * by side), SPLIT_KV on the cpu backend, which has no FLASH.
     */
    public static DecodeKernel defaultFor(Device device) {
        String backend = device.backendName();
        return backend.equals("cuda") || backend.equals("opencl") ? FLASH : SPLIT_KV;
    }

    public boolean runsOn(String backend) {
        return this == SPLIT_KV || backend.equals("opencl") || backend.equals("cuda");
    }

    /** {@code split-kv} or {@code flash}, as the command line spells them. */
    public String label() { return this == SPLIT_KV ? "split-kv" : "flash"; }

    public static DecodeKernel parse(String s) {
        return switch (s) {
            case "split-kv" -> SPLIT_KV;
            case "flash" -> FLASH;
            default -> throw new IllegalArgumentException("decode kernel must be split-kv or flash, was '" + s + "'");
        };
    }
}
