package dev.kiln.basics;

import dev.kiln.device.Availability;
import dev.kiln.device.Buffer;
import dev.kiln.device.Device;
import dev.kiln.device.Devices;
import dev.kiln.device.opencl.OpenClDevice;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The bandwidth ceilings on OpenCL and CUDA: the copy is bit-exact, the read pass reaches every vector.
 * {@code opencl} runs the device's own shape (the CPU shape on PoCL), {@code opencl-gpu-shape} the GPU shape.
 */
class BandwidthKernelsTest {
    static Device open(String name) {
        boolean gpuShape = name.equals("opencl-gpu-shape");
        String backend = gpuShape ? "opencl" : name;
        Availability a = Devices.find(backend).map(b -> b.availability()).orElse(Availability.no("backend missing"));
        Assumptions.assumeTrue(a.available(), () -> "no " + backend + " device here: " + a.reason() + (backend.equals("cuda") ? " (GPU run pending)" : ""));
        if (!gpuShape) return Devices.open(backend);
        System.setProperty(OpenClDevice.KERNEL_SHAPE_PROPERTY, "gpu"); // read once, when the device opens
        try {
            Device dev = Devices.open(backend);
            assertFalse(dev.info().cpuShapedKernels(), "GPU shape forced: " + dev.info().properties());
            return dev;
        } finally {
            System.clearProperty(OpenClDevice.KERNEL_SHAPE_PROPERTY);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"opencl", "opencl-gpu-shape", "cuda"})
    void copy_is_bit_exact_for_odd_sizes(String backend) {
        long seed = Long.getLong("kiln.test.seed", System.nanoTime()); // -Dkiln.test.seed=N pins it
        SplittableRandom r = new SplittableRandom(seed);
        long bytes = 16L * (1 + r.nextInt(3_000_000));
        try (Device dev = open(backend); Arena arena = Arena.ofConfined()) {
            MemorySegment host = arena.allocate(bytes + 16, 64);
            for (long i = 0; i < host.byteSize() / 8; i++) host.setAtIndex(ValueLayout.JAVA_LONG, i, r.nextLong());
            try (Buffer src = dev.upload(host); Buffer dst = dev.allocate(bytes + 16)) {
                MemorySegment marker = arena.allocate(16, 16).fill((byte) 0x5a);
                dev.queue().write(dst, bytes, marker);
                BandwidthKernels.copy(dev, src, dst, bytes).await();
                MemorySegment back = arena.allocate(bytes + 16, 64);
                dev.queue().read(dst, 0, back);
                assertEquals(-1L, back.asSlice(0, bytes).mismatch(host.asSlice(0, bytes)), "seed " + seed + " bytes " + bytes);
                assertEquals(-1L, back.asSlice(bytes, 16).mismatch(marker), "the copy wrote past its end; seed " + seed);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"opencl", "opencl-gpu-shape", "cuda"})
    void read_reaches_the_last_vector_and_writes_nothing_otherwise(String backend) {
        long bytes = 16L * 1_000_003;
        try (Device dev = open(backend); Arena arena = Arena.ofConfined()) {
            MemorySegment host = arena.allocate(bytes, 64); // zeros but one element of the last vector
            host.setAtIndex(ValueLayout.JAVA_FLOAT, bytes / 4 - 2, 3.5f);
            MemorySegment seven = arena.allocateFrom(ValueLayout.JAVA_FLOAT, 7f), got = arena.allocate(4);
            try (Buffer src = dev.upload(host); Buffer sink = dev.upload(seven)) {
                BandwidthKernels.read(dev, src, bytes, sink).await();
                dev.queue().read(sink, 0, got);
                assertEquals(7f, got.get(ValueLayout.JAVA_FLOAT, 0), "no item sums to -1e38: sink untouched");
                BandwidthKernels.read(dev, src, bytes, sink, 3.5f).await();
                dev.queue().read(sink, 0, got);
                assertEquals(3.5f, got.get(ValueLayout.JAVA_FLOAT, 0), "the item owning the last vector sums it");
                var e = assertThrows(IllegalArgumentException.class, () -> BandwidthKernels.read(dev, src, 24, sink));
                assertTrue(e.getMessage().contains("multiple of 16, was 24"), e.getMessage());
            }
        }
    }
}
