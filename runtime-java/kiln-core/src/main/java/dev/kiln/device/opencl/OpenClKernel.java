package dev.kiln.device.opencl;

import dev.kiln.bind.opencl.OpenCl;
import dev.kiln.bind.opencl.OpenClQuery;
import dev.kiln.bind.opencl.OpenClStatus;
import dev.kiln.device.Buffer;
import dev.kiln.device.Kernel;
import dev.kiln.device.Range;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * A {@code cl_kernel}. Its arguments are state inside OpenCL, so setting them and enqueueing is one
 * synchronized step. Scalars go through {@code clSetKernelArg} as Java arrays (the call is linked
 * critical with heap access), so a launch allocates no native memory.
 */
final class OpenClKernel implements Kernel {
    private final OpenClDevice device;
    private final String program;
    private final String name;
    private final MemorySegment handle;
    private final int numArgs;

    OpenClKernel(OpenClDevice device, String program, String name, MemorySegment built) {
        this.device = device;
        this.program = program;
        this.name = name;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment err = arena.allocate(ValueLayout.JAVA_INT);
            this.handle = OpenCl.clCreateKernel(built, arena.allocateFrom(name), err);
            OpenClStatus.check(err.get(ValueLayout.JAVA_INT, 0), "clCreateKernel", "kernel '" + name + "' in program " + program);
        }
        this.numArgs = OpenClQuery.kernelInt(handle, OpenCl.CL_KERNEL_NUM_ARGS);
    }

    @Override public String program() { return program; }

    @Override public String name() { return name; }

    OpenClDevice device() { return device; }

    /** Sets every argument and enqueues over {@code range}; returns the {@code cl_event} address. */
    synchronized long enqueue(MemorySegment queue, Range range, Object[] args) {
        if (args.length != numArgs) {
            throw new IllegalArgumentException("kernel " + program + "/" + name + " takes " + numArgs + " arguments, got " + args.length);
        }
        for (int i = 0; i < args.length; i++) setArg(i, args[i]);
        long[] event = new long[1];
        int rc = OpenCl.clEnqueueNDRangeKernel(queue, handle, range.dimensions(), MemorySegment.NULL,
                MemorySegment.ofArray(range.global()), MemorySegment.ofArray(range.local()), 0, MemorySegment.NULL, MemorySegment.ofArray(event));
        OpenClStatus.check(rc, "clEnqueueNDRangeKernel", "kernel " + program + "/" + name + " over " + range);
        return event[0];
    }

    private void setArg(int i, Object a) {
        int rc = switch (a) {
            case Buffer b -> OpenCl.clSetKernelArg(handle, i, Long.BYTES, MemorySegment.ofArray(new long[]{b.handle().address()}));
            case Integer v -> OpenCl.clSetKernelArg(handle, i, Integer.BYTES, MemorySegment.ofArray(new int[]{v}));
            case Long v -> OpenCl.clSetKernelArg(handle, i, Long.BYTES, MemorySegment.ofArray(new long[]{v}));
            case Float v -> OpenCl.clSetKernelArg(handle, i, Float.BYTES, MemorySegment.ofArray(new float[]{v}));
            case Double v -> OpenCl.clSetKernelArg(handle, i, Double.BYTES, MemorySegment.ofArray(new double[]{v}));
            case LocalMemory m -> OpenCl.clSetKernelArg(handle, i, m.bytes(), MemorySegment.NULL);
            default -> throw new IllegalArgumentException("argument " + i + " of kernel " + program + "/" + name + " has unsupported type " + a.getClass().getName());
        };
        OpenClStatus.check(rc, "clSetKernelArg", "argument " + i + " of kernel " + program + "/" + name + " (" + a.getClass().getSimpleName() + ")");
    }

    void release() {
        OpenClStatus.check(OpenCl.clReleaseKernel(handle), "clReleaseKernel");
    }
}
