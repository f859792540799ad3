package dev.kiln.attention;

import dev.kiln.attention.helix.HelixVerification;
import dev.kiln.device.Device;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * The attention suite on PoCL with the kernels in their GPU shape (warps of 32 lanes per K row, partial sums
 * through local memory, groups of 128 items): the shape CUDA and OpenCL GPUs run, which PoCL would otherwise
 * never build, since it is a CPU device ({@link OpenClAttentionTest} runs the CPU shape).
 */
class OpenClGpuShapeAttentionTest extends DeviceAttentionSuite {
    /** {@code dev.kiln.device.opencl.OpenClDevice.KERNEL_SHAPE_PROPERTY} (a package this module does not read). */
    private static final String KERNEL_SHAPE = "kiln.opencl.kernelShape";

    @Override
    String backend() { return "opencl"; }

    @Override
    Device open() {
        System.setProperty(KERNEL_SHAPE, "gpu"); // read once, when the device opens
        try {
            Device dev = super.open();
            assertFalse(dev.info().cpuShapedKernels(), "the device must build and launch the GPU shape: " + dev.info().properties());
            return dev;
        } finally {
            System.clearProperty(KERNEL_SHAPE);
        }
    }

    /** GQA over KVP 1 and 3 (zero-token ranks at S short) with bf16: the GPU shape is slow on a CPU, so a smaller matrix. */
    @Override
    HelixVerification.Options helixOptions(long seed) {
        return new HelixVerification.Options(List.of("gqa"), new int[]{1, 3}, 1, 16, true, seed);
    }
}
