package dev.kiln.device.opencl;

import dev.kiln.basics.BasicKernels;
import dev.kiln.device.KilnNativeException;
import dev.kiln.bind.opencl.OpenCl;
import dev.kiln.bind.opencl.OpenClStatus;
import dev.kiln.device.Buffer;
import dev.kiln.device.Device;
import dev.kiln.device.Devices;
import dev.kiln.device.Kernel;
import dev.kiln.device.Range;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every way to get OpenCL wrong ends in one exception that says what and where. */
class OpenClErrorsTest {
    @Test
    void a_build_error_names_clBuildProgram_and_carries_the_build_log() {
        String source = """
                __kernel void broken(__global float* y) {
                    y[get_global_id(0)] = undefined_variable_kiln;
                }
                """;
        try (Device dev = Devices.open("opencl")) {
            var e = assertThrows(KilnNativeException.class, () -> ((OpenClDevice) dev).kernelFromSource("broken", source, "broken"));
            assertEquals("clBuildProgram", e.function());
            assertEquals("CL_BUILD_PROGRAM_FAILURE", e.errorName());
            assertEquals(-11, e.code());
            assertTrue(e.getMessage().contains("clBuildProgram failed with CL_BUILD_PROGRAM_FAILURE (-11)"), e.getMessage());
            assertTrue(e.getMessage().contains("undefined_variable_kiln"), "the build log names the culprit: " + e.getMessage());
            assertTrue(e.getMessage().contains("2:"), "the build log points at line 2: " + e.getMessage());
        }
    }

    @Test
    void a_missing_kernel_names_clCreateKernel_and_CL_INVALID_KERNEL_NAME() {
        try (Device dev = Devices.open("opencl")) {
            var e = assertThrows(KilnNativeException.class, () -> dev.kernel(BasicKernels.PROGRAM, "no_such_kernel"));
            assertEquals("clCreateKernel", e.function());
            assertEquals("CL_INVALID_KERNEL_NAME", e.errorName());
            assertTrue(e.getMessage().contains("no_such_kernel"), e.getMessage());
        }
    }

    @Test
    void a_missing_program_says_which_resource_is_missing() {
        try (Device dev = Devices.open("opencl")) {
            var e = assertThrows(IllegalArgumentException.class, () -> dev.kernel("no_such_program", "f"));
            assertTrue(e.getMessage().contains("kernels/opencl/no_such_program.cl"), e.getMessage());
        }
    }

    @Test
    void a_wrong_argument_type_names_the_argument() {
        try (Device dev = Devices.open("opencl"); Buffer x = dev.allocate(64); Buffer y = dev.allocate(64)) {
            Kernel k = dev.kernel(BasicKernels.PROGRAM, "saxpy");
            var e = assertThrows(IllegalArgumentException.class, () -> dev.queue().launch(k, Range.of1D(16, 16), 16, "two", x, y));
            assertTrue(e.getMessage().contains("argument 1 of kernel basics/saxpy has unsupported type java.lang.String"), e.getMessage());
        }
    }

    @Test
    void a_scalar_where_the_kernel_wants_a_buffer_is_rejected_by_OpenCL_with_its_error_name() {
        try (Device dev = Devices.open("opencl"); Buffer x = dev.allocate(64)) {
            Kernel k = dev.kernel(BasicKernels.PROGRAM, "saxpy");
            var e = assertThrows(KilnNativeException.class, () -> dev.queue().launch(k, Range.of1D(16, 16), 16, 2.0f, x, 7));
            assertEquals("clSetKernelArg", e.function());
            assertTrue(e.errorName().startsWith("CL_INVALID_ARG"), e.getMessage());
            assertTrue(e.getMessage().contains("argument 3 of kernel basics/saxpy (Integer)"), e.getMessage());
        }
    }

    @Test
    void a_wrong_argument_count_is_reported_before_OpenCL_sees_it() {
        try (Device dev = Devices.open("opencl"); Buffer x = dev.allocate(64)) {
            Kernel k = dev.kernel(BasicKernels.PROGRAM, "saxpy");
            var e = assertThrows(IllegalArgumentException.class, () -> dev.queue().launch(k, Range.of1D(16, 16), 16, 2.0f, x));
            assertTrue(e.getMessage().contains("kernel basics/saxpy takes 4 arguments, got 3"), e.getMessage());
        }
    }

    @Test
    void another_devices_buffer_is_refused_with_both_device_names() {
        try (Device dev = Devices.open("opencl"); Device cpu = Devices.open("cpu");
             Buffer x = dev.allocate(64); Buffer foreign = cpu.allocate(64)) {
            Kernel k = dev.kernel(BasicKernels.PROGRAM, "saxpy");
            var e = assertThrows(IllegalArgumentException.class, () -> dev.queue().launch(k, Range.of1D(16, 16), 16, 2.0f, x, foreign));
            assertTrue(e.getMessage().contains("argument 3 of kernel basics/saxpy is a buffer of device '" + cpu.info().name() + "'"), e.getMessage());
            var w = assertThrows(IllegalArgumentException.class, () -> dev.queue().write(foreign, 0, MemorySegment.ofArray(new float[4])));
            assertTrue(w.getMessage().contains("write destination is a buffer of cpu device"), w.getMessage());
        }
    }

    @Test
    void a_work_group_larger_than_the_device_allows_names_the_limit() {
        try (Device dev = Devices.open("opencl"); Buffer x = dev.allocate(64); Buffer y = dev.allocate(64)) {
            Kernel k = dev.kernel(BasicKernels.PROGRAM, "saxpy");
            long tooBig = 2L * dev.info().maxWorkGroupSize();
            var e = assertThrows(IllegalArgumentException.class, () -> dev.queue().launch(k, Range.of1D(tooBig, (int) tooBig), 16, 2.0f, x, y));
            assertTrue(e.getMessage().contains("exceeds CL_DEVICE_MAX_WORK_GROUP_SIZE " + dev.info().maxWorkGroupSize()), e.getMessage());
        }
    }

    @Test
    void a_range_that_is_not_whole_groups_is_refused_when_built() {
        var e = assertThrows(IllegalArgumentException.class, () -> new Range(new long[]{100}, new long[]{64}));
        assertTrue(e.getMessage().contains("global size 100 in dimension 0 is not a multiple of local size 64"), e.getMessage());
    }

    @Test
    void a_copy_past_the_end_of_a_buffer_is_refused() {
        try (Device dev = Devices.open("opencl"); Buffer b = dev.allocate(16)) {
            var e = assertThrows(IllegalArgumentException.class, () -> dev.queue().write(b, 8, MemorySegment.ofArray(new float[4])));
            assertTrue(e.getMessage().contains("write of 16 bytes at offset 8 does not fit a buffer of 16 bytes"), e.getMessage());
        }
    }

    @Test
    void every_error_code_has_its_cl_h_name() {
        assertEquals("CL_SUCCESS", OpenClStatus.name(0));
        assertEquals("CL_INVALID_WORK_GROUP_SIZE", OpenClStatus.name(-54));
        assertEquals("CL_INVALID_KERNEL_ARGS", OpenClStatus.name(-52));
        assertEquals("CL_PLATFORM_NOT_FOUND_KHR", OpenClStatus.name(-1001));
        for (int rc = -72; rc <= -30; rc++) assertTrue(OpenClStatus.name(rc).startsWith("CL_INVALID_") || rc == -72, "code " + rc);
        var e = assertThrows(KilnNativeException.class, () -> OpenClStatus.check(-5, "clFoo"));
        assertEquals("OpenCL: clFoo failed with CL_OUT_OF_RESOURCES (-5)", e.getMessage());
    }

    /** The binding's map/unmap, driven directly: the mapped pointer sees the buffer, and writes through it land. */
    @Test
    void map_and_unmap_see_and_change_the_buffer() {
        long seed = Long.getLong("kiln.test.seed", System.nanoTime()); // -Dkiln.test.seed=N pins it
        float[] x = OpenClKernelsTest.gaussian(new SplittableRandom(seed), 1000);
        try (Device dev = Devices.open("opencl"); Arena arena = Arena.ofConfined();
             Buffer b = dev.upload(arena.allocateFrom(ValueLayout.JAVA_FLOAT, x))) {
            MemorySegment queue = ((OpenClQueue) dev.queue()).handle();
            MemorySegment err = arena.allocate(ValueLayout.JAVA_INT);
            MemorySegment mapped = OpenCl.clEnqueueMapBuffer(queue, b.handle(), OpenCl.CL_TRUE, OpenCl.CL_MAP_READ | OpenCl.CL_MAP_WRITE,
                    0, b.byteSize(), 0, MemorySegment.NULL, MemorySegment.NULL, err).reinterpret(b.byteSize());
            OpenClStatus.check(err.get(ValueLayout.JAVA_INT, 0), "clEnqueueMapBuffer");
            for (int i = 0; i < x.length; i++) {
                assertEquals(x[i], mapped.getAtIndex(ValueLayout.JAVA_FLOAT, i), 0f, "seed " + seed + " i " + i);
                mapped.setAtIndex(ValueLayout.JAVA_FLOAT, i, -x[i]);
            }
            OpenClStatus.check(OpenCl.clEnqueueUnmapMemObject(queue, b.handle(), mapped, 0, MemorySegment.NULL, MemorySegment.NULL),
                    "clEnqueueUnmapMemObject");
            float[] back = new float[x.length];
            dev.queue().read(b, 0, MemorySegment.ofArray(back));
            for (int i = 0; i < x.length; i++) assertEquals(-x[i], back[i], 0f, "seed " + seed + " i " + i);
        }
    }

    @Test
    void closing_a_device_with_an_open_buffer_reports_the_leak() {
        Device dev = Devices.open("opencl");
        dev.allocate(4096);
        var e = assertThrows(IllegalStateException.class, dev::close);
        assertTrue(e.getMessage().contains("1 buffer(s) still open (4096 bytes)"), e.getMessage());
    }
}
