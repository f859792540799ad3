package dev.kiln.device.opencl;

import dev.kiln.bind.opencl.OpenCl;
import dev.kiln.bind.opencl.OpenClStatus;
import dev.kiln.device.Buffer;
import dev.kiln.device.Event;
import dev.kiln.device.Kernel;
import dev.kiln.device.KernelArgs;
import dev.kiln.device.Queue;
import dev.kiln.device.Range;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayDeque;
import java.util.regex.Pattern;

/**
 * An in-order {@code cl_command_queue} with profiling. Writes and reads are blocking, so host memory is
 * free when they return. Launch events are kept until they complete and then released (see
 * {@link OpenClEvent}); at most {@value #MAX_PENDING} stay open.
 */
final class OpenClQueue implements Queue {
    private static final int MAX_PENDING = 64;

    private final OpenClDevice device;
    private final MemorySegment queue;
    private final ArrayDeque<OpenClEvent> pending = new ArrayDeque<>();
    private boolean released;

    OpenClQueue(OpenClDevice device) {
        this.device = device;
        this.queue = create(device);
    }

    /**
     * OpenCL 2.0's constructor on a 2.0+ device whose loader exports it, else the 1.x one. The version is
     * checked first because a 1.2 driver behind a newer ICD loader may not fill that dispatch slot.
     */
    private static MemorySegment create(OpenClDevice device) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment err = arena.allocate(ValueLayout.JAVA_INT);
            MemorySegment q;
            if (majorVersion(device.info().properties().get("openclVersion")) >= 2 && OpenCl.hasCreateCommandQueueWithProperties()) {
                MemorySegment props = arena.allocateFrom(ValueLayout.JAVA_LONG, OpenCl.CL_QUEUE_PROPERTIES, OpenCl.CL_QUEUE_PROFILING_ENABLE, 0L);
                q = OpenCl.clCreateCommandQueueWithProperties(device.context(), device.clDevice(), props, err);
                if (err.get(ValueLayout.JAVA_INT, 0) == OpenCl.CL_SUCCESS) return q;
            }
            q = OpenCl.clCreateCommandQueue(device.context(), device.clDevice(), OpenCl.CL_QUEUE_PROFILING_ENABLE, err);
            OpenClStatus.check(err.get(ValueLayout.JAVA_INT, 0), "clCreateCommandQueue");
            return q;
        }
    }

    /** 3 for "OpenCL 3.0 PoCL ...", 1 when the string does not say. */
    private static int majorVersion(String clVersion) {
        var m = Pattern.compile("OpenCL (\\d+)\\.").matcher(clVersion == null ? "" : clVersion);
        return m.find() ? Integer.parseInt(m.group(1)) : 1;
    }

    /** The raw {@code cl_command_queue}, for tests that drive the binding directly (map/unmap). */
    MemorySegment handle() { return queue; }

    @Override
    public void write(Buffer dst, long dstOffset, MemorySegment src) {
        MemorySegment mem = own(dst, "write destination");
        Queue.checkRange("write", dst, dstOffset, src.byteSize());
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment host = src.isNative() ? src : arena.allocate(src.byteSize(), 64).copyFrom(src);
            OpenClStatus.check(OpenCl.clEnqueueWriteBuffer(queue, mem, OpenCl.CL_TRUE, dstOffset, src.byteSize(), host,
                    0, MemorySegment.NULL, MemorySegment.NULL), "clEnqueueWriteBuffer");
        }
    }

    @Override
    public void read(Buffer src, long srcOffset, MemorySegment dst) {
        MemorySegment mem = own(src, "read source");
        Queue.checkRange("read", src, srcOffset, dst.byteSize());
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment host = dst.isNative() ? dst : arena.allocate(dst.byteSize(), 64);
            OpenClStatus.check(OpenCl.clEnqueueReadBuffer(queue, mem, OpenCl.CL_TRUE, srcOffset, dst.byteSize(), host,
                    0, MemorySegment.NULL, MemorySegment.NULL), "clEnqueueReadBuffer");
            if (host != dst) dst.copyFrom(host);
        }
    }

    @Override
    public Event launch(Kernel kernel, Range range, Object... args) {
        if (!(kernel instanceof OpenClKernel k) || k.device() != device) {
            throw new IllegalArgumentException("kernel " + kernel.program() + "/" + kernel.name() + " was not built for opencl device '" + device.info().name() + "'");
        }
        KernelArgs.check(kernel, device, args);
        long groupItems = 1;
        for (long l : range.local()) groupItems *= l;
        if (groupItems > device.info().maxWorkGroupSize()) {
            throw new IllegalArgumentException("work-group of " + groupItems + " items (" + range + ") exceeds CL_DEVICE_MAX_WORK_GROUP_SIZE "
                    + device.info().maxWorkGroupSize() + " of " + device.info().name());
        }
        OpenClEvent event = new OpenClEvent(k.enqueue(queue, range, args));
        synchronized (pending) {
            pending.add(event);
            if (pending.size() > MAX_PENDING) releaseCompleted();
        }
        return event;
    }

    private void releaseCompleted() {
        while (!pending.isEmpty() && pending.peekFirst().isComplete()) pending.pollFirst().resolve();
        if (pending.size() > MAX_PENDING) pending.pollFirst().resolve();
    }

    @Override
    public void finish() {
        OpenClStatus.check(OpenCl.clFinish(queue), "clFinish");
        synchronized (pending) {
            while (!pending.isEmpty()) pending.pollFirst().resolve();
        }
    }

    /** Finishes and releases the queue; the device's default queue is released by the device. */
    @Override
    public void close() {
        if (this == device.queue()) return;
        release();
        device.forget(this);
    }

    synchronized void release() {
        if (released) return;
        try {
            finish();
        } finally {
            released = true;
            OpenClStatus.check(OpenCl.clReleaseCommandQueue(queue), "clReleaseCommandQueue");
        }
    }

    private MemorySegment own(Buffer b, String role) {
        if (!(b instanceof OpenClBuffer) || b.device() != device) {
            throw new IllegalArgumentException(role + " is a buffer of " + b.device().backendName() + " device '" + b.device().info().name()
                    + "', not of opencl device '" + device.info().name() + "'");
        }
        return b.handle();
    }
}
