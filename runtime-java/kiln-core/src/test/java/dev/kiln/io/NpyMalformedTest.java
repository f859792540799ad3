package dev.kiln.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Malformed {@code .npy} files get one error type, {@link NpyFormatException}, naming the file and the field: the
 * cases a user met (exact messages), then a seeded mutation fuzz of valid files.
 */
class NpyMalformedTest {
    private static final Path NAME = Path.of("fuzz/x.npy");
    private static final Set<String> FIELDS = Set.of("magic", "version", "header length", "header", "descr", "fortran_order", "shape", "data");

    @Test
    void the_reported_headers_give_one_clear_line(@TempDir Path dir) throws IOException {
        assertMessage(dir, v1("{'descr': '<f4', 'fortran_order': False, 'shape': (-2,-3), }", 0), "shape",
                ".npy shape: dimension 0 is -2; dimensions are integers >= 0");
        assertMessage(dir, v1("{'descr': '<f4', 'fortran_order': False, 'shape': (-2,3), }", 0), "shape",
                ".npy shape: dimension 0 is -2; dimensions are integers >= 0");
        assertMessage(dir, v1("{'descr': '<f4', 'fortran_order': False, 'shape': (a,3), }", 0), "shape",
                ".npy shape: dimension 0 is not an integer: found 'a,3), }' at offset 51");
        assertMessage(dir, v1("{'descr': '<f4', 'fortran_order': False, 'shape': (4294967296, 4294967296), }", 0), "shape",
                ".npy shape: [4294967296, 4294967296] of float32 is more than 2^63 bytes");
        assertMessage(dir, v1("{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999,), }", 0), "shape",
                ".npy shape: dimension 0 is 99999999999999999999, larger than 9223372036854775807");
        assertMessage(dir, v1("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", 8), "data",
                ".npy data: truncated: shape [2, 3] of float32 needs 24 bytes of data, file has 8");
        byte[] v2 = v1("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", 8);
        ByteBuffer big = ByteBuffer.allocate(v2.length + 2).order(ByteOrder.LITTLE_ENDIAN);
        big.put(v2, 0, 6).put((byte) 2).put((byte) 0).putInt(0x8000_0000).put(v2, 10, v2.length - 10);
        assertMessage(dir, big.array(), "header length", ".npy header length: 2147483648 bytes, but headers are limited to 1048576");
        assertMessage(dir, v1("{'descr': '<f4', 'fortran_order': False, 'shape': (3), }", 12), "shape",
                ".npy shape: (3) is not a tuple; a one-dimensional shape is written (3,)");
        assertMessage(dir, v1("{'descr': '>f4', 'fortran_order': False, 'shape': (3,), }", 12), "descr",
                ".npy descr: unsupported dtype '>f4'; supported: [<f4, <f8, |i1, <i4, <i8, <u2]");
        assertMessage(dir, v1("{'descr': '<f4', 'shape': (3,), }", 12), "fortran_order", ".npy fortran_order: missing from the header");
        assertMessage(dir, "hello".getBytes(StandardCharsets.US_ASCII), "magic", ".npy magic: file has 5 bytes, fewer than the 10 of a .npy preamble");
    }

    /**
     * 100,000 seeded mutations of valid files (v1, v2, v3 headers, several dtypes and ranks): every one either
     * reads as a consistent array or throws {@link NpyFormatException} naming the file and a known field, in one
     * line. Nothing else: no NumberFormatException, IndexOutOfBounds, negative capacity, OutOfMemoryError.
     */
    @Test
    void fuzzed_headers_give_only_the_format_error() throws IOException {
        long seed = Long.getLong("kiln.test.seed", System.nanoTime());
        SplittableRandom r = new SplittableRandom(seed);
        List<byte[]> valid = validFiles();
        int parsed = 0, rejected = 0;
        for (int iteration = 0; iteration < 100_000; iteration++) {
            byte[] file = mutate(valid.get(r.nextInt(valid.size())), r);
            try (Arena arena = Arena.ofConfined()) {
                NpyArray a = Npy.read(NAME, new BytesChannel(file), arena);
                long elements = 1;
                for (long d : a.shape()) elements *= d;
                assertEquals(elements * a.dtype().bytes(), a.data().byteSize(), "seed " + seed + " iteration " + iteration);
                assertTrue(a.data().byteSize() <= file.length);
                parsed++;
            } catch (NpyFormatException e) {
                String m = e.getMessage();
                boolean ok = m.startsWith(NAME + ": .npy " + e.field() + ": ") && FIELDS.contains(e.field()) && e.file() == NAME
                        && m.indexOf('\n') < 0 && m.length() < 400;
                if (!ok) throw new AssertionError("seed " + seed + " (-Dkiln.test.seed=" + seed + ") iteration " + iteration + ": bad message: " + m);
                rejected++;
            } catch (Throwable t) {
                throw new AssertionError("seed " + seed + " (-Dkiln.test.seed=" + seed + ") iteration " + iteration + ": "
                        + t + " for file " + HexFormat.of().formatHex(file), t);
            }
        }
        // Both outcomes must be common, or the mutator is not exercising the parser.
        assertTrue(parsed > 1_000 && rejected > 50_000, "seed " + seed + ": parsed " + parsed + ", rejected " + rejected);
    }

    private static final String[] TOKENS = {"-", "(", ")", ",", "'", "\"", ":", "{", "}", " ", "\n", "\0", "a", "0", "-2", "1e3",
            "9223372036854775807", "9223372036854775808", "4294967296", "True", "False", "None", "shape", "descr",
            "fortran_order", "'shape': ()", "'<f4'", "\\", "\u00e9"};

    private static byte[] mutate(byte[] base, SplittableRandom r) {
        byte[] b = base.clone();
        int ops = 1 + r.nextInt(4);
        for (int op = 0; op < ops; op++) {
            int headerEnd = Math.max(1, Math.min(b.length, 140)); // mutations mostly land in the preamble and header
            switch (r.nextInt(8)) {
                case 0 -> { if (b.length > 0) b[r.nextInt(Math.min(headerEnd, b.length))] = (byte) r.nextInt(256); }
                case 1 -> { if (b.length > 0) b[r.nextInt(Math.min(headerEnd, b.length))] ^= (byte) (1 << r.nextInt(8)); }
                case 2 -> b = insert(b, r.nextInt(Math.min(headerEnd, b.length) + 1), TOKENS[r.nextInt(TOKENS.length)].getBytes(StandardCharsets.UTF_8));
                case 3 -> {
                    if (b.length == 0) continue;
                    int from = r.nextInt(Math.min(headerEnd, b.length)), len = 1 + r.nextInt(8);
                    b = delete(b, from, Math.min(b.length, from + len));
                }
                case 4 -> b = java.util.Arrays.copyOf(b, r.nextInt(b.length + 1)); // truncate
                case 5 -> { // the header length field: edge values
                    int[] edges = {0, 1, 0x7f, 0xffff, 0x7fff_ffff, 0x8000_0000, 0xffff_ffff, r.nextInt()};
                    int v = edges[r.nextInt(edges.length)];
                    if (b.length >= 12) { b[8] = (byte) v; b[9] = (byte) (v >>> 8); b[10] = (byte) (v >>> 16); b[11] = (byte) (v >>> 24); }
                }
                case 6 -> { if (b.length > 7) b[6] = (byte) r.nextInt(5); } // version
                default -> { // replace a run of digits with a random number, negative or huge included
                    String s = new String(b, StandardCharsets.ISO_8859_1);
                    java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\d+").matcher(s);
                    List<int[]> runs = new ArrayList<>();
                    while (m.find()) if (m.start() > 10) runs.add(new int[]{m.start(), m.end()});
                    if (!runs.isEmpty()) {
                        int[] run = runs.get(r.nextInt(runs.size()));
                        String n = switch (r.nextInt(4)) {
                            case 0 -> Long.toString(-1 - r.nextInt(5));
                            case 1 -> Long.toString(r.nextLong() >>> r.nextInt(64));
                            case 2 -> "1" + "0".repeat(r.nextInt(25));
                            default -> Integer.toString(r.nextInt(10));
                        };
                        b = insert(delete(b, run[0], run[1]), run[0], n.getBytes(StandardCharsets.ISO_8859_1));
                    }
                }
            }
        }
        return b;
    }

    private static byte[] insert(byte[] b, int at, byte[] what) {
        byte[] out = new byte[b.length + what.length];
        System.arraycopy(b, 0, out, 0, at);
        System.arraycopy(what, 0, out, at, what.length);
        System.arraycopy(b, at, out, at + what.length, b.length - at);
        return out;
    }

    private static byte[] delete(byte[] b, int from, int to) {
        byte[] out = new byte[b.length - (to - from)];
        System.arraycopy(b, 0, out, 0, from);
        System.arraycopy(b, to, out, from, b.length - to);
        return out;
    }

    private static List<byte[]> validFiles() {
        List<byte[]> files = new ArrayList<>();
        String[][] headers = {{"<f4", "(2, 3)", "24"}, {"<f8", "()", "8"}, {"|i1", "(5,)", "5"}, {"<i4", "(0,)", "0"},
                {"<u2", "(2, 2, 2)", "16"}, {"<i8", "(1, 1)", "8"}};
        for (String[] h : headers) {
            String dict = "{'descr': '" + h[0] + "', 'fortran_order': False, 'shape': " + h[1] + ", }";
            int data = Integer.parseInt(h[2]);
            files.add(v1(dict, data));
            files.add(v23(dict, data, 2));
            files.add(v23(dict, data, 3));
        }
        return files;
    }

    /** A version 1.0 file: header padded with spaces and a newline to a multiple of 64, then {@code data} bytes. */
    private static byte[] v1(String dict, int data) {
        return file(dict, data, 1);
    }

    private static byte[] v23(String dict, int data, int major) {
        return file(dict, data, major);
    }

    private static byte[] file(String dict, int data, int major) {
        int pre = major == 1 ? 10 : 12;
        int pad = (64 - (pre + dict.length() + 1) % 64) % 64;
        byte[] header = (dict + " ".repeat(pad) + "\n").getBytes(StandardCharsets.ISO_8859_1);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[]{(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', (byte) major, 0});
        if (major == 1) {
            out.write(header.length & 0xff);
            out.write(header.length >>> 8);
        } else {
            out.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(header.length).array());
        }
        out.writeBytes(header);
        byte[] payload = new byte[data];
        for (int i = 0; i < data; i++) payload[i] = (byte) (i * 37 + 11);
        out.writeBytes(payload);
        return out.toByteArray();
    }

    private static void assertMessage(Path dir, byte[] bytes, String field, String detail) throws IOException {
        Path f = dir.resolve("bad.npy");
        Files.write(f, bytes);
        try (Arena arena = Arena.ofConfined()) {
            NpyFormatException e = assertThrows(NpyFormatException.class, () -> Npy.read(f, arena));
            assertEquals(field, e.field());
            assertEquals(f + ": " + detail, e.getMessage());
        }
    }
}
