package dev.kiln.collective.lossy;

import java.lang.foreign.MemorySegment;

/**
 * A run of fp32 elements exchanged with one peer in one phase: {@code length} floats of {@code segment}
 * starting at element {@code first}, labelled {@code chunk} (the shard index) on the wire.
 */
public record Span(int chunk, MemorySegment segment, long first, int length) {
    public Span {
        if (chunk < 0) throw new IllegalArgumentException("chunk must be >= 0, was " + chunk);
        if (length < 0) throw new IllegalArgumentException("length must be >= 0, was " + length);
        if (first < 0 || (first + length) * Float.BYTES > segment.byteSize()) {
            throw new IllegalArgumentException("span [" + first + ", " + (first + length) + ") floats is outside a segment of "
                    + segment.byteSize() + " bytes");
        }
    }
}
