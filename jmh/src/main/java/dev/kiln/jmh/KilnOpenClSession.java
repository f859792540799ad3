package dev.kiln.jmh;

import dev.kiln.bind.opencl.OpenCl;
import dev.kiln.bind.opencl.OpenClQuery;
import dev.kiln.bind.opencl.OpenClStatus;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** Context, profiling queue, program, kernel and buffer made through Kiln's FFM binding alone, as the JOCL side makes them. */
final class KilnOpenClSession implements AutoCloseable {
    final MemorySegment context, queue, program, kernel, buffer;

    KilnOpenClSession(String source, String kernelName) {
        MemorySegment platform = OpenClQuery.platforms().getFirst();
        MemorySegment device = OpenClQuery.devices(platform, OpenCl.CL_DEVICE_TYPE_ALL).getFirst();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment err = arena.allocate(ValueLayout.JAVA_INT);
            MemorySegment devices = arena.allocateFrom(ValueLayout.ADDRESS, device);
            context = OpenCl.clCreateContext(MemorySegment.NULL, 1, devices, MemorySegment.NULL, MemorySegment.NULL, err);
            OpenClStatus.check(err.get(ValueLayout.JAVA_INT, 0), "clCreateContext");
            queue = OpenCl.clCreateCommandQueue(context, device, OpenCl.CL_QUEUE_PROFILING_ENABLE, err);
            OpenClStatus.check(err.get(ValueLayout.JAVA_INT, 0), "clCreateCommandQueue");
            program = OpenCl.clCreateProgramWithSource(context, 1, arena.allocateFrom(ValueLayout.ADDRESS, arena.allocateFrom(source)),
                    MemorySegment.NULL, err);
            OpenClStatus.check(err.get(ValueLayout.JAVA_INT, 0), "clCreateProgramWithSource");
            OpenClStatus.check(OpenCl.clBuildProgram(program, 1, devices, arena.allocateFrom(""), MemorySegment.NULL, MemorySegment.NULL),
                    "clBuildProgram");
            kernel = OpenCl.clCreateKernel(program, arena.allocateFrom(kernelName), err);
            OpenClStatus.check(err.get(ValueLayout.JAVA_INT, 0), "clCreateKernel");
            buffer = OpenCl.clCreateBuffer(context, OpenCl.CL_MEM_READ_WRITE, 64, MemorySegment.NULL, err);
            OpenClStatus.check(err.get(ValueLayout.JAVA_INT, 0), "clCreateBuffer");
        }
    }

    @Override
    public void close() {
        OpenCl.clReleaseMemObject(buffer);
        OpenCl.clReleaseKernel(kernel);
        OpenCl.clReleaseProgram(program);
        OpenCl.clReleaseCommandQueue(queue);
        OpenCl.clReleaseContext(context);
    }
}
