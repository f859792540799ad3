package dev.kiln.tconv.impl;

import dev.kiln.device.Buffer;
import dev.kiln.device.Device;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;

/** Copies host arrays to device buffers and keeps the buffers an op owns, to close them together. */
final class Uploads implements AutoCloseable {
    private final Device device;
    private final List<Buffer> owned = new ArrayList<>();

    Uploads(Device device) { this.device = device; }

    Buffer floats(float[] a) {
        try (Arena arena = Arena.ofConfined()) {
            return own(device.upload(arena.allocateFrom(ValueLayout.JAVA_FLOAT, a.length == 0 ? new float[1] : a)));
        }
    }

    Buffer ints(int[] a) {
        try (Arena arena = Arena.ofConfined()) {
            return own(device.upload(arena.allocateFrom(ValueLayout.JAVA_INT, a.length == 0 ? new int[1] : a)));
        }
    }

    Buffer bytes(byte[] a) {
        try (Arena arena = Arena.ofConfined()) {
            return own(device.upload(arena.allocateFrom(ValueLayout.JAVA_BYTE, a.length == 0 ? new byte[1] : a)));
        }
    }

    Buffer scratch(long bytes) { return own(device.allocate(Math.max(bytes, 4))); }

    private Buffer own(Buffer b) {
        owned.add(b);
        return b;
    }

    @Override
    public void close() {
        for (int i = owned.size() - 1; i >= 0; i--) owned.get(i).close();
        owned.clear();
    }

    static float[] biasOrZeros(float[] bias, int oc) { return bias == null ? new float[oc] : bias; }

    static int[] biasOrZeros(int[] bias, int oc) { return bias == null ? new int[oc] : bias; }

    static MemorySegment unused() { return MemorySegment.NULL; }
}
