package dev.kiln.inference.safetensors;

import dev.kiln.inference.tensor.TensorType;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes a safetensors file: tensors in the order added, each 8-byte aligned (the header is padded with spaces
 * so that the data start is too), and string metadata in {@code __metadata__}. The file is written to a temporary
 * sibling and renamed, so a reader never sees half of it.
 */
public final class SafetensorsWriter {
    private record Entry(String name, TensorType type, long[] shape, byte[] bytes) {}

    private final List<Entry> entries = new ArrayList<>();
    private final Map<String, String> metadata = new LinkedHashMap<>();

    public SafetensorsWriter metadata(String key, String value) {
        metadata.put(key, value);
        return this;
    }

    /** An fp32 tensor of shape {@code shape} from {@code values[offset ...]}. */
    public SafetensorsWriter f32(String name, long[] shape, float[] values, int offset) {
        long n = 1;
        for (long d : shape) n *= d;
        ByteBuffer b = ByteBuffer.allocate(Math.toIntExact(n * 4)).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < n; i++) b.putFloat(values[offset + i]);
        return raw(name, TensorType.F32, shape, b.array());
    }

    /** A tensor whose little-endian bytes the caller encoded. */
    public SafetensorsWriter raw(String name, TensorType type, long[] shape, byte[] bytes) {
        if (type.safetensorsName() == null) throw new IllegalArgumentException("tensor '" + name + "': type " + type + " has no safetensors dtype");
        long n = 1;
        for (long d : shape) n *= d;
        if (type.byteSize(n) != bytes.length) throw new IllegalArgumentException("tensor '" + name + "': " + bytes.length + " bytes, shape needs " + type.byteSize(n));
        entries.add(new Entry(name, type, shape.clone(), bytes));
        return this;
    }

    public void write(Path file) throws IOException {
        Map<String, Object> header = new LinkedHashMap<>();
        if (!metadata.isEmpty()) header.put("__metadata__", new LinkedHashMap<>(metadata));
        long offset = 0;
        for (Entry e : entries) {
            Map<String, Object> info = new LinkedHashMap<>();
            info.put("dtype", e.type.safetensorsName());
            info.put("shape", e.shape);
            long end = offset + e.bytes.length;
            info.put("data_offsets", new long[]{offset, end});
            header.put(e.name, info);
            offset = Math.ceilDiv(end, 8) * 8;
        }
        byte[] json = HeaderJson.write(header).getBytes(StandardCharsets.UTF_8);
        int padded = Math.ceilDiv(json.length, 8) * 8;
        Path abs = file.toAbsolutePath();
        Files.createDirectories(abs.getParent());
        Path tmp = Files.createTempFile(abs.getParent(), abs.getFileName().toString(), ".tmp");
        try (OutputStream out = Files.newOutputStream(tmp)) {
            out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(padded).array());
            out.write(json);
            out.write(" ".repeat(padded - json.length).getBytes(StandardCharsets.US_ASCII));
            long written = 0;
            for (Entry e : entries) {
                out.write(e.bytes);
                written += e.bytes.length;
                long pad = Math.ceilDiv(written, 8) * 8 - written;
                out.write(new byte[(int) pad]);
                written += pad;
            }
        } catch (IOException | RuntimeException ex) {
            Files.deleteIfExists(tmp);
            throw ex;
        }
        Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
