package dev.kiln.basics;

import dev.kiln.device.Buffer;
import dev.kiln.device.Device;
import dev.kiln.device.Event;
import dev.kiln.device.Kernel;
import dev.kiln.device.Range;

/**
 * The memory-bandwidth ceilings a memory-bound kernel is judged against, on OpenCL and CUDA devices:
 * a device-to-device copy and a read-only pass ({@code kernels/opencl/bandwidth.cl},
 * {@code kernels/cuda/bandwidth.cu}). Sizes are in bytes, multiples of 16.
 */
public final class BandwidthKernels {
    public static final String PROGRAM = "bandwidth";
    public static final int GROUP = 256;
    /** Work-groups per compute unit: enough resident loads to saturate memory, few enough to leave no tail. */
    static final int GROUPS_PER_UNIT = 8;

    private BandwidthKernels() {}

    /** Copies the first {@code bytes} of {@code src} to {@code dst}; moves {@code 2 * bytes} (read + write). */
    public static Event copy(Device device, Buffer src, Buffer dst, long bytes) {
        check("src", src, bytes);
        check("dst", dst, bytes);
        Kernel k = device.kernel(PROGRAM, "copy_vec4");
        return device.queue().launch(k, range(device, bytes), bytes / 16, src, dst);
    }

    /**
     * Reads the first {@code bytes} of {@code src} once; {@code sink} (4 bytes or more) is written only if the
     * sum of one item's elements equals -1e38, which keeps the loads alive without writing anything.
     */
    public static Event read(Device device, Buffer src, long bytes, Buffer sink) {
        return read(device, src, bytes, sink, -1e38f);
    }

    /** As {@link #read(Device, Buffer, long, Buffer)}, writing an item's sum to {@code sink} if it equals {@code sentinel}. */
    public static Event read(Device device, Buffer src, long bytes, Buffer sink, float sentinel) {
        check("src", src, bytes);
        if (sink.byteSize() < Float.BYTES) throw new IllegalArgumentException("sink must hold >= 4 bytes, was " + sink.byteSize());
        Kernel k = device.kernel(PROGRAM, "read_vec4");
        return device.queue().launch(k, range(device, bytes), bytes / 16, src, sink, sentinel);
    }

    /**
     * GPU: {@link #GROUPS_PER_UNIT} groups of {@link #GROUP} items per compute unit (grid-stride). CPU shape
     * ({@code KILN_CPU_DEVICE}): as many one-item groups, each streaming a contiguous chunk, so every core
     * gets several and none waits at the end for a slow one.
     */
    private static Range range(Device device, long bytes) {
        long units = (long) device.info().computeUnits() * GROUPS_PER_UNIT;
        if (device.info().cpuShapedKernels()) return Range.of1D(Math.max(1, Math.min(units, bytes / 64)), 1);
        long groups = Math.max(1, Math.min(units, Math.ceilDiv(bytes / 16, GROUP)));
        return Range.of1D(groups * GROUP, GROUP);
    }

    private static void check(String name, Buffer b, long bytes) {
        if (bytes <= 0 || bytes % 16 != 0) throw new IllegalArgumentException("bytes must be a positive multiple of 16, was " + bytes);
        if (b.byteSize() < bytes) throw new IllegalArgumentException("buffer " + name + " has " + b.byteSize() + " bytes, needs " + bytes);
    }
}
