package dev.kiln.inference.gguf;

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
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A GGUF file (versions 2 and 3, little-endian), memory-mapped once: the header, metadata and tensor infos are
 * parsed from the mapping, and each tensor's data is a slice of it, so the weights never reach the Java heap
 * (as llama3.java does). Every read is bounds-checked, so a truncated or corrupt file gives one line naming the
 * file, the offset and what was expected there, not an {@code IndexOutOfBoundsException}.
 */
public final class GgufFile implements Checkpoint {
    /** "GGUF" read as a little-endian uint32. */
    public static final int MAGIC = 0x46554747;
    public static final int DEFAULT_ALIGNMENT = 32;
    /** Bounds on counts in the header, so that a corrupt count fails cleanly instead of allocating for billions. */
    private static final long MAX_COUNT = 1 << 24, MAX_STRING = 1 << 26;

    private final Path path;
    private final Arena arena;
    private final int version;
    private final Metadata metadata;
    private final Map<String, Tensor> tensors;
    private final long dataOffset;

    private GgufFile(Path path, Arena arena, int version, Metadata metadata, Map<String, Tensor> tensors, long dataOffset) {
        this.path = path;
        this.arena = arena;
        this.version = version;
        this.metadata = metadata;
        this.tensors = Collections.unmodifiableMap(tensors);
        this.dataOffset = dataOffset;
    }

    public static GgufFile open(Path path) throws IOException {
        Arena arena = Arena.ofShared();
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            MemorySegment file = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), arena);
            GgufFile f = parse(path, arena, file);
            return f;
        } catch (IOException | RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    private static GgufFile parse(Path path, Arena arena, MemorySegment file) throws CheckpointFormatException {
        Cursor c = new Cursor(path, file);
        if (file.byteSize() < 4) throw new CheckpointFormatException(path, "truncated: " + file.byteSize() + " bytes, a GGUF file starts with 24 bytes of header");
        int magic = c.i32("magic");
        if (magic != MAGIC) {
            throw new CheckpointFormatException(path, String.format("bad magic 0x%08x; a GGUF file starts with \"GGUF\" (0x%08x)", magic, MAGIC));
        }
        int version = c.i32("version");
        if (version != 2 && version != 3) throw new CheckpointFormatException(path, "GGUF version " + version + "; supported: 2, 3");
        long tensorCount = c.count("tensor count");
        long kvCount = c.count("metadata count");
        Map<String, Object> kv = new LinkedHashMap<>();
        for (long i = 0; i < kvCount; i++) {
            String key = c.string("metadata key " + i);
            int type = c.i32("type of '" + key + "'");
            kv.put(key, c.value(type, key));
        }
        Object alignValue = kv.getOrDefault("general.alignment", DEFAULT_ALIGNMENT);
        long alignment = alignValue instanceof Number n ? n.longValue() : -1;
        if (alignment <= 0 || (alignment & (alignment - 1)) != 0) {
            throw new CheckpointFormatException(path, "general.alignment = " + alignValue + "; must be a power of two");
        }
        record Info(String name, long[] shape, TensorType type, long offset) {}
        List<Info> infos = new ArrayList<>();
        for (long i = 0; i < tensorCount; i++) {
            String name = c.string("tensor name " + i);
            int dims = c.i32("dims of '" + name + "'");
            if (dims < 1 || dims > 4) throw new CheckpointFormatException(path, "tensor '" + name + "' has " + dims + " dims; GGUF allows 1..4");
            long[] shape = new long[dims];
            for (int d = 0; d < dims; d++) {
                long n = c.i64("dim " + d + " of '" + name + "'");
                if (n < 0) throw new CheckpointFormatException(path, "tensor '" + name + "' dim " + d + " = " + Long.toUnsignedString(n) + "; too large");
                shape[dims - 1 - d] = n;   // GGUF lists the innermost dim first
            }
            int typeId = c.i32("type of '" + name + "'");
            TensorType type = TensorType.ofGgml(typeId);
            if (type == null) {
                throw new CheckpointFormatException(path, "tensor '" + name + "' has type " + typeId + " (" + TensorType.ggmlName(typeId)
                        + "); supported: " + TensorType.supportedGgml());
            }
            long offset = c.i64("offset of '" + name + "'");
            if (offset % alignment != 0) throw new CheckpointFormatException(path, "tensor '" + name + "' offset " + offset + " is not a multiple of the alignment " + alignment);
            infos.add(new Info(name, shape, type, offset));
        }
        long dataOffset = Math.ceilDiv(c.pos, alignment) * alignment;
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        for (Info info : infos) {
            long elements = 1;
            for (long d : info.shape) {
                try {
                    elements = Math.multiplyExact(elements, d);
                } catch (ArithmeticException e) {
                    throw new CheckpointFormatException(path, "tensor '" + info.name + "' shape overflows");
                }
            }
            if (info.type.quantized() && info.shape[info.shape.length - 1] % info.type.blockElements() != 0) {
                throw new CheckpointFormatException(path, "tensor '" + info.name + "': rows of " + info.shape[info.shape.length - 1] + " "
                        + info.type + " values are not whole blocks of " + info.type.blockElements());
            }
            long bytes = info.type.byteSize(elements);
            long start = dataOffset + info.offset;
            if (info.offset < 0 || start < 0 || start > file.byteSize() || bytes > file.byteSize() - start) {
                throw new CheckpointFormatException(path, "tensor '" + info.name + "' lies outside the file: bytes [" + start + ", "
                        + (start + bytes) + ") of a " + file.byteSize() + "-byte file (truncated?)");
            }
            if (tensors.put(info.name, new Tensor(info.name, info.type, info.shape, file.asSlice(start, bytes))) != null) {
                throw new CheckpointFormatException(path, "tensor '" + info.name + "' appears twice");
            }
        }
        return new GgufFile(path, arena, version, new Metadata(path.getFileName().toString(), kv), tensors, dataOffset);
    }

    @Override public Path path() { return path; }

    public int version() { return version; }

    /** Where the tensor data begin (tensor offsets are relative to this). */
    public long dataOffset() { return dataOffset; }

    @Override public Metadata metadata() { return metadata; }

    @Override public Map<String, Tensor> tensors() { return tensors; }

    @Override public void close() { arena.close(); }

    /** A bounds-checked little-endian reader over the mapping. */
    private static final class Cursor {
        private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        private static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        private static final ValueLayout.OfDouble F64 = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        final Path path;
        final MemorySegment file;
        long pos;

        Cursor(Path path, MemorySegment file) {
            this.path = path;
            this.file = file;
        }

        private void need(long bytes, String what) throws CheckpointFormatException {
            if (bytes > file.byteSize() - pos) {
                throw new CheckpointFormatException(path, "truncated: " + what + " needs " + bytes + " bytes at offset " + pos
                        + ", the file has " + file.byteSize());
            }
        }

        int i32(String what) throws CheckpointFormatException {
            need(4, what);
            int v = file.get(I32, pos);
            pos += 4;
            return v;
        }

        long i64(String what) throws CheckpointFormatException {
            need(8, what);
            long v = file.get(I64, pos);
            pos += 8;
            return v;
        }

        long count(String what) throws CheckpointFormatException {
            long n = i64(what);
            if (n < 0 || n > MAX_COUNT) throw new CheckpointFormatException(path, what + " = " + Long.toUnsignedString(n) + " at offset " + (pos - 8) + "; at most " + MAX_COUNT);
            return n;
        }

        String string(String what) throws CheckpointFormatException {
            long n = i64("length of " + what);
            if (n < 0 || n > MAX_STRING) throw new CheckpointFormatException(path, "length of " + what + " = " + Long.toUnsignedString(n) + " at offset " + (pos - 8) + "; at most " + MAX_STRING);
            need(n, what);
            byte[] b = file.asSlice(pos, n).toArray(ValueLayout.JAVA_BYTE);
            pos += n;
            return new String(b, StandardCharsets.UTF_8);
        }

        Object value(int type, String key) throws CheckpointFormatException {
            String what = "value of '" + key + "'";
            return switch (type) {
                case 0 -> { need(1, what); yield file.get(ValueLayout.JAVA_BYTE, pos++) & 0xff; }            // UINT8
                case 1 -> { need(1, what); yield (int) file.get(ValueLayout.JAVA_BYTE, pos++); }             // INT8
                case 2 -> { need(2, what); int v = file.get(I16, pos) & 0xffff; pos += 2; yield v; }         // UINT16
                case 3 -> { need(2, what); int v = file.get(I16, pos); pos += 2; yield v; }                  // INT16
                case 4 -> Integer.toUnsignedLong(i32(what));                                                 // UINT32
                case 5 -> i32(what);                                                                         // INT32
                case 6 -> { need(4, what); float v = file.get(F32, pos); pos += 4; yield v; }                // FLOAT32
                case 7 -> {                                                                                  // BOOL
                    need(1, what);
                    int b = file.get(ValueLayout.JAVA_BYTE, pos++);
                    if (b != 0 && b != 1) throw new CheckpointFormatException(path, what + " is bool " + b + " at offset " + (pos - 1) + "; must be 0 or 1");
                    yield b == 1;
                }
                case 8 -> string(what);                                                                      // STRING
                case 9 -> {                                                                                  // ARRAY
                    int itemType = i32("element type of '" + key + "'");
                    if (itemType == 9) throw new CheckpointFormatException(path, what + " is an array of arrays; Kiln reads flat arrays only");
                    long n = count("length of '" + key + "'");
                    List<Object> items = new ArrayList<>((int) n);
                    for (long i = 0; i < n; i++) items.add(value(itemType, key + "[" + i + "]"));
                    yield Collections.unmodifiableList(items);
                }
                case 10, 11 -> i64(what);                                                                    // UINT64, INT64
                case 12 -> { need(8, what); double v = file.get(F64, pos); pos += 8; yield v; }              // FLOAT64
                default -> throw new CheckpointFormatException(path, "metadata '" + key + "' has value type " + type + " at offset " + (pos - 4) + "; GGUF defines 0..12");
            };
        }
    }
}
