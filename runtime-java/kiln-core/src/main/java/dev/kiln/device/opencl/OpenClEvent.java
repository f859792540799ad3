package dev.kiln.device.opencl;

import dev.kiln.bind.opencl.OpenCl;
import dev.kiln.bind.opencl.OpenClQuery;
import dev.kiln.bind.opencl.OpenClStatus;
import dev.kiln.device.Event;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * A launched kernel's {@code cl_event}. The first {@link #await()} or {@link #elapsedNanos()} (or the
 * queue's {@code finish}) waits for it, reads its profiling counters and releases it, so an event left
 * unread does not leak.
 */
final class OpenClEvent implements Event {
    private MemorySegment event;
    private long startNanos, endNanos;

    OpenClEvent(long address) { this.event = MemorySegment.ofAddress(address); }

    synchronized boolean isResolved() { return event == null; }

    /** True when the command has finished (or failed), without waiting. */
    synchronized boolean isComplete() {
        return event == null || OpenClQuery.executionStatus(event) <= OpenCl.CL_COMPLETE;
    }

    synchronized void resolve() {
        if (event == null) return;
        MemorySegment e = event;
        event = null;
        try (Arena arena = Arena.ofConfined()) {
            OpenClStatus.check(OpenCl.clWaitForEvents(1, arena.allocateFrom(ValueLayout.ADDRESS, e)), "clWaitForEvents");
            startNanos = OpenClQuery.profilingNanos(e, OpenCl.CL_PROFILING_COMMAND_START);
            endNanos = OpenClQuery.profilingNanos(e, OpenCl.CL_PROFILING_COMMAND_END);
        } finally {
            OpenCl.clReleaseEvent(e);
        }
    }

    @Override public void await() { resolve(); }

    @Override
    public synchronized long elapsedNanos() {
        resolve();
        return endNanos - startNanos;
    }

    synchronized long startNanos() { resolve(); return startNanos; }

    synchronized long endNanos() { resolve(); return endNanos; }
}
