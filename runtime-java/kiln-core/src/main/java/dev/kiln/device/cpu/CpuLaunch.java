package dev.kiln.device.cpu;

import dev.kiln.device.Buffer;
import dev.kiln.device.Range;

import java.lang.foreign.MemorySegment;

/** One launch of a {@link CpuKernel}: its range and its arguments, with typed access. */
public record CpuLaunch(Range range, Object[] args) {
    public MemorySegment buffer(int i) { return ((Buffer) args[i]).hostSegment(); }

    public int intArg(int i) { return (Integer) args[i]; }

    public long longArg(int i) { return (Long) args[i]; }

    public float floatArg(int i) { return (Float) args[i]; }

    public double doubleArg(int i) { return (Double) args[i]; }
}
