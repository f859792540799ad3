package dev.kiln.io;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads and writes NumPy {@code .npy} files (format 1.0 to 3.0, C order, little-endian), the format
 * ML users exchange tensors in. Errors name the file and say what was expected and what was found.
 */
public final class Npy {
    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([^']+)'");
    private static final Pattern FORTRAN = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");

    private Npy() {}

    /** Reads the whole file into memory owned by {@code arena}. */
    public static NpyArray read(Path file, Arena arena) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer pre = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, pre, file);
            for (int i = 0; i < MAGIC.length; i++) {
                if (pre.get(i) != MAGIC[i]) throw new IOException(file + ": not a .npy file (bad magic)");
            }
            int major = pre.get(6);
            long headerLen;
            long headerStart;
            if (major == 1) {
                headerLen = Short.toUnsignedInt(pre.getShort(8));
                headerStart = 10;
            } else if (major == 2 || major == 3) {
                headerLen = Integer.toUnsignedLong(pre.getInt(8));
                headerStart = 12;
            } else {
                throw new IOException(file + ": unsupported .npy format version " + major);
            }
            ByteBuffer hdr = ByteBuffer.allocate((int) headerLen);
            ch.position(headerStart);
            readFully(ch, hdr, file);
            String header = new String(hdr.array(), major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
            NpyDtype dtype;
            try {
                dtype = NpyDtype.ofDescr(find(DESCR, header, file, "descr"));
            } catch (IllegalArgumentException e) {
                throw new IOException(file + ": " + e.getMessage());
            }
            if (find(FORTRAN, header, file, "fortran_order").equals("True")) {
                throw new IOException(file + ": Fortran-order arrays are not supported; save with np.ascontiguousarray");
            }
            long[] shape = parseShape(find(SHAPE, header, file, "shape"));
            long bytes = Arrays.stream(shape).reduce(1, Math::multiplyExact) * dtype.bytes();
            long dataStart = headerStart + headerLen;
            if (ch.size() - dataStart < bytes) {
                throw new IOException(file + ": truncated: shape " + Arrays.toString(shape) + " of " + dtype + " needs "
                        + bytes + " bytes of data, file has " + (ch.size() - dataStart));
            }
            MemorySegment data = arena.allocate(Math.max(bytes, 1), 64).asSlice(0, bytes);
            ch.position(dataStart);
            ByteBuffer target = data.asByteBuffer();
            while (target.hasRemaining()) {
                if (ch.read(target) < 0) throw new IOException(file + ": unexpected end of file");
            }
            return new NpyArray(dtype, shape, data);
        }
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
        try (FileChannel ch = FileChannel.open(partial, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
            while (pre.hasRemaining()) ch.write(pre);
            ByteBuffer data = array.data().asByteBuffer();
            while (data.hasRemaining()) ch.write(data);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(partial);
            throw e;
        }
        Files.move(partial, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static String shapeString(long[] shape) {
        if (shape.length == 1) return "(" + shape[0] + ",)";
        return Arrays.stream(shape).mapToObj(Long::toString).reduce((a, b) -> a + ", " + b).map(s -> "(" + s + ")").orElse("()");
    }

    private static long[] parseShape(String inner) {
        return Arrays.stream(inner.split(",")).map(String::strip).filter(s -> !s.isEmpty()).mapToLong(Long::parseLong).toArray();
    }

    private static String find(Pattern p, String header, Path file, String key) throws IOException {
        Matcher m = p.matcher(header);
        if (!m.find()) throw new IOException(file + ": .npy header has no '" + key + "': " + header.strip());
        return m.group(1);
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, Path file) throws IOException {
        while (buf.hasRemaining()) {
            if (ch.read(buf) < 0) throw new IOException(file + ": unexpected end of file in the .npy header");
        }
    }
}
