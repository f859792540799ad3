package dev.kiln.io;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;

/**
 * Reads and writes NumPy {@code .npy} files (format 1.0 to 3.0, C order, little-endian), the format
 * ML users exchange tensors in. Errors name the file and say what was expected and what was found.
 */
public final class Npy {
    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};

    private Npy() {}

    /** Largest header accepted: NumPy itself refuses headers over 10,000 bytes unless told otherwise. */
    static final int MAX_HEADER_BYTES = 1 << 20;

    /**
     * Reads the whole file into memory owned by {@code arena}. A malformed file throws {@link NpyFormatException}
     * naming the file and the field; a missing or unreadable one, the JDK's file-system exception.
     */
    public static NpyArray read(Path file, Arena arena) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            return read(file, ch, arena);
        }
    }

    /** {@link #read(Path, Arena)} over any channel; {@code file} names it in errors. */
    static NpyArray read(Path file, SeekableByteChannel ch, Arena arena) throws IOException {
        long size = ch.size();
        ByteBuffer pre = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN);
        if (size < 10) throw new NpyFormatException(file, "magic", "file has " + size + " bytes, fewer than the 10 of a .npy preamble");
        pre.limit(10);
        readFully(ch, pre, file, "magic");
        for (int i = 0; i < MAGIC.length; i++) {
            if (pre.get(i) != MAGIC[i]) throw new NpyFormatException(file, "magic", "not a .npy file: it does not start with \\x93NUMPY");
        }
        int major = Byte.toUnsignedInt(pre.get(6)), minor = Byte.toUnsignedInt(pre.get(7));
        long headerLen;
        long headerStart;
        if (major == 1) {
            headerLen = Short.toUnsignedInt(pre.getShort(8));
            headerStart = 10;
        } else if (major == 2 || major == 3) {
            if (size < 12) throw new NpyFormatException(file, "header length", "file ends inside the 4-byte header length of format " + major);
            pre.limit(12);
            readFully(ch, pre, file, "header length");
            headerLen = Integer.toUnsignedLong(pre.getInt(8));
            headerStart = 12;
        } else {
            throw new NpyFormatException(file, "version", "format " + major + "." + minor + " is not supported; supported: 1.0, 2.0, 3.0");
        }
        if (headerLen > MAX_HEADER_BYTES || headerStart + headerLen > size) {
            throw new NpyFormatException(file, "header length", headerLen + " bytes, but " + (headerLen > MAX_HEADER_BYTES
                    ? "headers are limited to " + MAX_HEADER_BYTES : "the file has " + (size - headerStart) + " after the preamble"));
        }
        ByteBuffer hdr = ByteBuffer.allocate((int) headerLen);
        readFully(ch, hdr, file, "header");
        String text = new String(hdr.array(), major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        NpyHeader header = NpyHeader.parse(file, text);
        NpyDtype dtype = header.dtype();
        long[] shape = header.shape();
        long bytes;
        try {
            bytes = Math.multiplyExact(Arrays.stream(shape).reduce(1, Math::multiplyExact), dtype.bytes());
        } catch (ArithmeticException e) {
            throw new NpyFormatException(file, "shape", Arrays.toString(shape) + " of " + dtype + " is more than 2^63 bytes");
        }
        long dataStart = headerStart + headerLen;
        if (size - dataStart < bytes) {
            throw new NpyFormatException(file, "data", "truncated: shape " + Arrays.toString(shape) + " of " + dtype + " needs "
                    + bytes + " bytes of data, file has " + (size - dataStart));
        }
        MemorySegment data = arena.allocate(Math.max(bytes, 1), 64).asSlice(0, bytes);
        ch.position(dataStart);
        ByteBuffer target = data.asByteBuffer();
        while (target.hasRemaining()) {
            if (ch.read(target) < 0) throw new NpyFormatException(file, "data", "file ended while reading " + bytes + " bytes of data");
        }
        return new NpyArray(dtype, shape, data);
    }

    /** Reads a file and checks its dtype and shape, naming the file, the expected and the found values. */
    public static NpyArray read(Path file, Arena arena, NpyDtype expectedType, long... expectedShape) throws IOException {
        NpyArray a = read(file, arena);
        if (a.dtype() != expectedType || !Arrays.equals(a.shape(), expectedShape)) {
            throw new IOException(file + ": expected " + expectedType + " " + Arrays.toString(expectedShape)
                    + ", found " + a.dtype() + " " + Arrays.toString(a.shape()));
        }
        return a;
    }

    /** Writes {@code array} to a temporary file beside {@code file} and renames it, so no reader sees half a file. */
    public static void write(Path file, NpyArray array) throws IOException {
        String dict = "{'descr': '" + array.dtype().descr() + "', 'fortran_order': False, 'shape': " + shapeString(array.shape()) + ", }";
        int unpadded = 10 + dict.length() + 1;
        int pad = (64 - unpadded % 64) % 64;
        String header = dict + " ".repeat(pad) + "\n";
        ByteBuffer pre = ByteBuffer.allocate(10 + header.length()).order(ByteOrder.LITTLE_ENDIAN);
        pre.put(MAGIC).put((byte) 1).put((byte) 0).putShort((short) header.length()).put(header.getBytes(StandardCharsets.ISO_8859_1));
        pre.flip();
        Path partial = file.resolveSibling(file.getFileName() + ".partial-" + ProcessHandle.current().pid());
        try {
            try (FileChannel ch = FileChannel.open(partial, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                while (pre.hasRemaining()) ch.write(pre);
                ByteBuffer data = array.data().asByteBuffer();
                while (data.hasRemaining()) ch.write(data);
            }
            Files.move(partial, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(partial); // gone after the rename; after a failed write or rename, no partial file stays
        }
    }

    private static String shapeString(long[] shape) {
        if (shape.length == 1) return "(" + shape[0] + ",)";
        return Arrays.stream(shape).mapToObj(Long::toString).reduce((a, b) -> a + ", " + b).map(s -> "(" + s + ")").orElse("()");
    }

    private static void readFully(SeekableByteChannel ch, ByteBuffer buf, Path file, String field) throws IOException {
        while (buf.hasRemaining()) {
            if (ch.read(buf) < 0) throw new NpyFormatException(file, field, "unexpected end of file");
        }
    }
}
