package dev.kiln.inference.safetensors;

import dev.kiln.inference.tensor.Checkpoint;
import dev.kiln.inference.tensor.CheckpointFormatException;
import dev.kiln.inference.tensor.Metadata;
import dev.kiln.inference.tensor.Tensor;
import dev.kiln.inference.tensor.TensorType;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A safetensors file, memory-mapped once: an 8-byte little-endian header length, a JSON header naming each
 * tensor's dtype, shape and byte range, and the data; tensors are slices of the mapping. The optional
 * {@code __metadata__} object (strings only) is the {@link #metadata()}.
 */
public final class SafetensorsFile implements Checkpoint {
    /** Headers larger than this are refused (the reference implementation's limit is 100 MB). */
    static final long MAX_HEADER = 100L << 20;

    private final Path path;
    private final Arena arena;
    private final Metadata metadata;
    private final Map<String, Tensor> tensors;

    private SafetensorsFile(Path path, Arena arena, Metadata metadata, Map<String, Tensor> tensors) {
        this.path = path;
        this.arena = arena;
        this.metadata = metadata;
        this.tensors = Collections.unmodifiableMap(tensors);
    }

    public static SafetensorsFile open(Path path) throws IOException {
        Arena arena = Arena.ofShared();
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            MemorySegment file = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), arena);
            return parse(path, arena, file);
        } catch (IOException | RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    private static SafetensorsFile parse(Path path, Arena arena, MemorySegment file) throws CheckpointFormatException {
        if (file.byteSize() < 8) throw new CheckpointFormatException(path, "truncated: " + file.byteSize() + " bytes, a safetensors file starts with an 8-byte header length");
        long headerLength = file.get(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0);
        if (headerLength < 2 || headerLength > MAX_HEADER) {
            throw new CheckpointFormatException(path, "bad magic: header length " + Long.toUnsignedString(headerLength)
                    + " (first 8 bytes); a safetensors header is 2.." + MAX_HEADER + " bytes of JSON");
        }
        if (headerLength > file.byteSize() - 8) {
            throw new CheckpointFormatException(path, "truncated: the header needs " + headerLength + " bytes after offset 8, the file has " + file.byteSize());
        }
        byte[] raw = file.asSlice(8, headerLength).toArray(ValueLayout.JAVA_BYTE);
        if (raw[0] != '{') throw new CheckpointFormatException(path, "bad magic: the header does not start with '{' (byte 8 is 0x" + Integer.toHexString(raw[0] & 0xff) + ")");
        Object parsed;
        try {
            parsed = HeaderJson.parse(new String(raw, StandardCharsets.UTF_8).stripTrailing());
        } catch (IllegalArgumentException e) {
            throw new CheckpointFormatException(path, e.getMessage());
        }
        if (!(parsed instanceof Map<?, ?> header)) throw new CheckpointFormatException(path, "the header is not a JSON object");
        long dataStart = 8 + headerLength, dataBytes = file.byteSize() - dataStart;
        Map<String, Object> meta = new LinkedHashMap<>();
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : header.entrySet()) {
            String name = (String) e.getKey();
            if (name.equals("__metadata__")) {
                if (!(e.getValue() instanceof Map<?, ?> m)) throw new CheckpointFormatException(path, "__metadata__ is not an object");
                for (Map.Entry<?, ?> me : m.entrySet()) {
                    if (!(me.getValue() instanceof String)) throw new CheckpointFormatException(path, "__metadata__ '" + me.getKey() + "' is not a string");
                    meta.put((String) me.getKey(), me.getValue());
                }
                continue;
            }
            if (!(e.getValue() instanceof Map<?, ?> info)) throw new CheckpointFormatException(path, "tensor '" + name + "' is not an object");
            if (!(info.get("dtype") instanceof String dtype)) throw new CheckpointFormatException(path, "tensor '" + name + "' has no dtype");
            TensorType type = TensorType.ofSafetensors(dtype);
            if (type == null) throw new CheckpointFormatException(path, "tensor '" + name + "' has dtype " + dtype + "; supported: " + TensorType.supportedSafetensors());
            long[] shape = longs(path, name, "shape", info.get("shape"), -1);
            long[] range = longs(path, name, "data_offsets", info.get("data_offsets"), 2);
            long elements = 1;
            for (long d : shape) {
                if (d < 0) throw new CheckpointFormatException(path, "tensor '" + name + "' has a negative dim");
                try {
                    elements = Math.multiplyExact(elements, d);
                } catch (ArithmeticException ex) {
                    throw new CheckpointFormatException(path, "tensor '" + name + "' shape overflows");
                }
            }
            if (range[0] < 0 || range[1] < range[0]) throw new CheckpointFormatException(path, "tensor '" + name + "' has data_offsets [" + range[0] + ", " + range[1] + "]");
            if (range[1] > dataBytes) {
                throw new CheckpointFormatException(path, "tensor '" + name + "' lies outside the file: bytes [" + (dataStart + range[0]) + ", "
                        + (dataStart + range[1]) + ") of a " + file.byteSize() + "-byte file (truncated?)");
            }
            long bytes = type.byteSize(elements);
            if (range[1] - range[0] != bytes) {
                throw new CheckpointFormatException(path, "tensor '" + name + "' spans " + (range[1] - range[0]) + " bytes, its " + dtype + " shape needs " + bytes);
            }
            tensors.put(name, new Tensor(name, type, shape, file.asSlice(dataStart + range[0], bytes)));
        }
        return new SafetensorsFile(path, arena, new Metadata(path.getFileName().toString(), meta), tensors);
    }

    private static long[] longs(Path path, String tensor, String field, Object v, int length) throws CheckpointFormatException {
        if (!(v instanceof List<?> l) || (length >= 0 && l.size() != length)) {
            throw new CheckpointFormatException(path, "tensor '" + tensor + "' has " + field + " " + v + "; must be an array of " + (length >= 0 ? length + " " : "") + "integers");
        }
        long[] out = new long[l.size()];
        for (int i = 0; i < out.length; i++) {
            if (!(l.get(i) instanceof Long n)) throw new CheckpointFormatException(path, "tensor '" + tensor + "' has " + field + " " + v + "; must be integers");
            out[i] = n;
        }
        return out;
    }

    @Override public Path path() { return path; }

    @Override public Metadata metadata() { return metadata; }

    @Override public Map<String, Tensor> tensors() { return tensors; }

    @Override public void close() { arena.close(); }
}
