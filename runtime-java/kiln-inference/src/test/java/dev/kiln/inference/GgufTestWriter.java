package dev.kiln.inference;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A GGUF v3 writer for test fixtures, written from the format's specification (ggml's docs/gguf.md), independently
 * of the reader: typed metadata, tensor infos with innermost-first dims, tensor data aligned to 32 bytes.
 */
public final class GgufTestWriter {
    public static final int UINT8 = 0, INT8 = 1, UINT16 = 2, INT16 = 3, UINT32 = 4, INT32 = 5, FLOAT32 = 6, BOOL = 7,
            STRING = 8, ARRAY = 9, UINT64 = 10, INT64 = 11, FLOAT64 = 12;

    private final ByteArrayOutputStream kv = new ByteArrayOutputStream();
    private int kvCount;
    private record T(String name, long[] dimsOuterFirst, int ggmlType, byte[] bytes) {}
    private final List<T> tensors = new ArrayList<>();
    private int version = 3;
    private int alignment = 32;

    public GgufTestWriter version(int v) { version = v; return this; }

    public GgufTestWriter alignment(int a) { alignment = a; return u32("general.alignment", a); }

    private static byte[] le(int bytes, long v) {
        ByteBuffer b = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v);
        byte[] out = new byte[bytes];
        System.arraycopy(b.array(), 0, out, 0, bytes);
        return out;
    }

    private static void str(ByteArrayOutputStream o, String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        o.writeBytes(le(8, b.length));
        o.writeBytes(b);
    }

    private GgufTestWriter key(String k, int type) {
        kvCount++;
        str(kv, k);
        kv.writeBytes(le(4, type));
        return this;
    }

    public GgufTestWriter u8(String k, int v) { key(k, UINT8); kv.writeBytes(le(1, v)); return this; }
    public GgufTestWriter i8(String k, int v) { key(k, INT8); kv.writeBytes(le(1, v)); return this; }
    public GgufTestWriter u16(String k, int v) { key(k, UINT16); kv.writeBytes(le(2, v)); return this; }
    public GgufTestWriter i16(String k, int v) { key(k, INT16); kv.writeBytes(le(2, v)); return this; }
    public GgufTestWriter u32(String k, long v) { key(k, UINT32); kv.writeBytes(le(4, v)); return this; }
    public GgufTestWriter i32(String k, int v) { key(k, INT32); kv.writeBytes(le(4, v)); return this; }
    public GgufTestWriter u64(String k, long v) { key(k, UINT64); kv.writeBytes(le(8, v)); return this; }
    public GgufTestWriter i64(String k, long v) { key(k, INT64); kv.writeBytes(le(8, v)); return this; }
    public GgufTestWriter f32(String k, float v) { key(k, FLOAT32); kv.writeBytes(le(4, Float.floatToRawIntBits(v))); return this; }
    public GgufTestWriter f64(String k, double v) { key(k, FLOAT64); kv.writeBytes(le(8, Double.doubleToRawLongBits(v))); return this; }
    public GgufTestWriter bool(String k, boolean v) { key(k, BOOL); kv.writeBytes(le(1, v ? 1 : 0)); return this; }
    public GgufTestWriter string(String k, String v) { key(k, STRING); str(kv, v); return this; }

    public GgufTestWriter strings(String k, List<String> v) {
        key(k, ARRAY);
        kv.writeBytes(le(4, STRING));
        kv.writeBytes(le(8, v.size()));
        for (String s : v) str(kv, s);
        return this;
    }

    public GgufTestWriter floats(String k, float[] v) {
        key(k, ARRAY);
        kv.writeBytes(le(4, FLOAT32));
        kv.writeBytes(le(8, v.length));
        for (float f : v) kv.writeBytes(le(4, Float.floatToRawIntBits(f)));
        return this;
    }

    public GgufTestWriter ints(String k, int[] v) {
        key(k, ARRAY);
        kv.writeBytes(le(4, INT32));
        kv.writeBytes(le(8, v.length));
        for (int f : v) kv.writeBytes(le(4, f));
        return this;
    }

    /** A raw key with any type code and payload, for malformed files. */
    public GgufTestWriter rawKey(String k, int type, byte[] payload) { key(k, type); kv.writeBytes(payload); return this; }

    /** A tensor of {@code ggmlType} with shape {@code outerFirst} (written innermost first) and its encoded bytes. */
    public GgufTestWriter tensor(String name, int ggmlType, byte[] bytes, long... outerFirst) {
        tensors.add(new T(name, outerFirst, ggmlType, bytes));
        return this;
    }

    public byte[] bytes() { return bytes(0); }

    /** The file; {@code offsetShift} is added to every tensor's offset (to point one outside the file). */
    public byte[] bytes(long offsetShift) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        o.writeBytes("GGUF".getBytes(StandardCharsets.US_ASCII));
        o.writeBytes(le(4, version));
        o.writeBytes(le(8, tensors.size()));
        o.writeBytes(le(8, kvCount));
        o.writeBytes(kv.toByteArray());
        long offset = 0;
        List<Long> offsets = new ArrayList<>();
        for (T t : tensors) {
            str(o, t.name);
            o.writeBytes(le(4, t.dimsOuterFirst.length));
            for (int d = t.dimsOuterFirst.length - 1; d >= 0; d--) o.writeBytes(le(8, t.dimsOuterFirst[d]));
            o.writeBytes(le(4, t.ggmlType));
            o.writeBytes(le(8, offset + offsetShift));
            offsets.add(offset);
            offset = (offset + t.bytes.length + alignment - 1) / alignment * alignment;
        }
        while (o.size() % alignment != 0) o.write(0);
        long start = o.size();
        for (int i = 0; i < tensors.size(); i++) {
            while (o.size() < start + offsets.get(i)) o.write(0);
            o.writeBytes(tensors.get(i).bytes);
        }
        return o.toByteArray();
    }

    public Path write(Path file) throws IOException {
        Files.write(file, bytes());
        return file;
    }
}
