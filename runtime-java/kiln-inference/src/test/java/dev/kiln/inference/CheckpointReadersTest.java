package dev.kiln.inference;

import dev.kiln.inference.gguf.GgufFile;
import dev.kiln.inference.safetensors.SafetensorsFile;
import dev.kiln.inference.safetensors.SafetensorsWriter;
import dev.kiln.inference.tensor.CheckpointFormatException;
import dev.kiln.inference.tensor.Tensor;
import dev.kiln.inference.tensor.TensorType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * GGUF and safetensors readers against files whose bytes the test encodes itself from the formats' definitions:
 * values of every tensor type decoded as ggml defines them, metadata of every GGUF type, tensors as slices of the
 * mapping (never heap arrays), and one clear line for each kind of malformed file, including every truncation.
 */
class CheckpointReadersTest {
    static final long SEED = Long.getLong("kiln.test.seed", System.nanoTime());

    /** One tensor of each type: its encoded bytes and the values they stand for, computed here independently. */
    record Fixture(TensorType type, long[] shape, byte[] bytes, float[] values) {}

    static Fixture fixture(TensorType type, SplittableRandom r, long... shape) {
        int n = (int) Arrays.stream(shape).reduce(1, (a, b) -> a * b);
        float[] v = new float[n];
        ByteBuffer b = ByteBuffer.allocate((int) type.byteSize(n)).order(ByteOrder.LITTLE_ENDIAN);
        switch (type) {
            case F32 -> { for (int i = 0; i < n; i++) { v[i] = (float) r.nextGaussian(); b.putFloat(v[i]); } }
            case F16 -> { for (int i = 0; i < n; i++) { short h = Float.floatToFloat16((float) r.nextGaussian()); v[i] = Float.float16ToFloat(h); b.putShort(h); } }
            case BF16 -> {
                for (int i = 0; i < n; i++) {
                    int bits = Float.floatToRawIntBits((float) r.nextGaussian()) & 0xffff0000;
                    v[i] = Float.intBitsToFloat(bits);
                    b.putShort((short) (bits >>> 16));
                }
            }
            case Q8_0 -> {
                for (int blk = 0; blk < n / 32; blk++) {
                    short d = Float.floatToFloat16((float) (r.nextDouble() * 0.05));
                    b.putShort(d);
                    for (int j = 0; j < 32; j++) {
                        int q = r.nextInt(-128, 128);
                        b.put((byte) q);
                        v[blk * 32 + j] = Float.float16ToFloat(d) * q;
                    }
                }
            }
            case Q4_0 -> {
                for (int blk = 0; blk < n / 32; blk++) {
                    short d = Float.floatToFloat16((float) (r.nextDouble() * 0.1));
                    b.putShort(d);
                    for (int j = 0; j < 16; j++) {
                        int lo = r.nextInt(16), hi = r.nextInt(16);
                        b.put((byte) (lo | hi << 4));
                        v[blk * 32 + j] = Float.float16ToFloat(d) * (lo - 8);
                        v[blk * 32 + 16 + j] = Float.float16ToFloat(d) * (hi - 8);
                    }
                }
            }
        }
        return new Fixture(type, shape, b.array(), v);
    }

    static GgufTestWriter everyType(SplittableRandom r, List<Fixture> out) {
        GgufTestWriter w = new GgufTestWriter();
        w.u8("m.u8", 200).i8("m.i8", -100).u16("m.u16", 60000).i16("m.i16", -30000).u32("m.u32", 4_000_000_000L)
                .i32("m.i32", -2_000_000_000).u64("m.u64", 1L << 40).i64("m.i64", -(1L << 40)).f32("m.f32", 0.25f)
                .f64("m.f64", Math.PI).bool("m.bool", true).string("m.str", "Grüße, 世界 ✓")
                .strings("m.strs", List.of("a", "", "ü")).floats("m.floats", new float[]{1.5f, -2f}).ints("m.ints", new int[]{7, -8});
        for (TensorType t : TensorType.values()) {
            Fixture f = fixture(t, r, 3, 64);
            out.add(f);
            w.tensor("w." + t, t.ggmlId(), f.bytes, f.shape);
        }
        return w;
    }

    @Test
    void gguf_reads_every_tensor_type_and_metadata_type_from_the_mapping(@TempDir Path dir) throws IOException {
        SplittableRandom r = new SplittableRandom(SEED);
        List<Fixture> fixtures = new java.util.ArrayList<>();
        Path file = everyType(r, fixtures).write(dir.resolve("every.gguf"));
        try (GgufFile g = GgufFile.open(file)) {
            assertEquals(3, g.version());
            var m = g.metadata();
            assertEquals(200L, m.integer("m.u8"));
            assertEquals(-100L, m.integer("m.i8"));
            assertEquals(60000L, m.integer("m.u16"));
            assertEquals(-30000L, m.integer("m.i16"));
            assertEquals(4_000_000_000L, m.integer("m.u32"));
            assertEquals(-2_000_000_000L, m.integer("m.i32"));
            assertEquals(1L << 40, m.integer("m.u64"));
            assertEquals(-(1L << 40), m.integer("m.i64"));
            assertEquals(0.25, m.real("m.f32"));
            assertEquals(Math.PI, m.real("m.f64"));
            assertEquals(Boolean.TRUE, m.get("m.bool"));
            assertEquals("Grüße, 世界 ✓", m.string("m.str"));
            assertEquals(List.of("a", "", "ü"), m.list("m.strs"));
            assertEquals(List.of(1.5f, -2f), m.list("m.floats"));
            assertEquals(List.of(7, -8), m.list("m.ints"));
            for (Fixture f : fixtures) {
                Tensor t = g.tensor("w." + f.type);
                assertEquals(f.type, t.type());
                assertArrayEquals(f.shape, t.shape());
                assertTrue(t.data().isNative() && t.data().heapBase().isEmpty(), "tensor data must be a slice of the mapping");
                assertArrayEquals(f.values, t.toFloats(), "seed " + SEED + ", " + f.type);
            }
        }
    }

    @Test
    void safetensors_reads_what_a_hand_encoded_header_describes(@TempDir Path dir) throws IOException {
        SplittableRandom r = new SplittableRandom(SEED);
        Fixture a = fixture(TensorType.F32, r, 2, 3), b = fixture(TensorType.BF16, r, 5), c = fixture(TensorType.F16, r, 4, 1, 2);
        String header = "{\"__metadata__\":{\"format\":\"pt\",\"kiln.x\":\"\\u00fc\\n\"},"
                + "\"a\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,24]},"
                + " \"b\" : {\"dtype\":\"BF16\",\"shape\":[5],\"data_offsets\":[24,34]},"
                + "\"c\":{\"dtype\":\"F16\",\"shape\":[4,1,2],\"data_offsets\":[34,50]}}";
        Path file = dir.resolve("hand.safetensors");
        Files.write(file, concat(header, a.bytes, b.bytes, c.bytes));
        try (SafetensorsFile s = SafetensorsFile.open(file)) {
            assertEquals("pt", s.metadata().string("format"));
            assertEquals("ü\n", s.metadata().string("kiln.x"));
            assertEquals(List.of("a", "b", "c"), List.copyOf(s.tensors().keySet()));
            assertArrayEquals(a.values, s.tensor("a").toFloats());
            assertArrayEquals(b.values, s.tensor("b").toFloats());
            assertArrayEquals(c.values, s.tensor("c").toFloats());
            assertArrayEquals(new long[]{4, 1, 2}, s.tensor("c").shape());
            assertTrue(s.tensor("a").data().heapBase().isEmpty());
        }
    }

    @Test
    void safetensors_writer_round_trips(@TempDir Path dir) throws IOException {
        SplittableRandom r = new SplittableRandom(SEED);
        Fixture a = fixture(TensorType.F32, r, 3, 5), b = fixture(TensorType.BF16, r, 7);
        Path file = dir.resolve("w.safetensors");
        new SafetensorsWriter().metadata("kiln.vocab", "\"\t\n\\ab").f32("a", a.shape, a.values, 0).raw("b", TensorType.BF16, b.shape, b.bytes).write(file);
        try (SafetensorsFile s = SafetensorsFile.open(file)) {
            assertEquals("\"\t\n\\ab", s.metadata().string("kiln.vocab"));
            assertArrayEquals(a.values, s.tensor("a").toFloats());
            assertArrayEquals(b.values, s.tensor("b").toFloats());
            assertEquals(0, s.tensor("b").data().address() % 8, "tensor data are 8-byte aligned");
        }
        assertFalse(Files.list(dir).anyMatch(p -> p.toString().endsWith(".tmp")));
    }

    static byte[] concat(String header, byte[]... parts) {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + Arrays.stream(parts).mapToInt(p -> p.length).sum()).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h);
        for (byte[] p : parts) b.put(p);
        return b.array();
    }

    private static String fails(Path file, byte[] bytes, boolean gguf) throws IOException {
        Files.write(file, bytes);
        CheckpointFormatException e = assertThrows(CheckpointFormatException.class, () -> {
            if (gguf) GgufFile.open(file).close();
            else SafetensorsFile.open(file).close();
        });
        assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
        assertTrue(e.getMessage().startsWith(file.getFileName() + ": "), e.getMessage());
        return e.getMessage();
    }

    @Test
    void malformed_gguf_files_give_one_clear_line(@TempDir Path dir) throws IOException {
        SplittableRandom r = new SplittableRandom(SEED);
        byte[] good = everyType(r, new java.util.ArrayList<>()).bytes();
        Path f = dir.resolve("bad.gguf");
        byte[] magic = good.clone();
        magic[0] = 'X';
        assertTrue(fails(f, magic, true).contains("bad magic"));
        byte[] version = good.clone();
        version[4] = 9;
        assertTrue(fails(f, version, true).contains("GGUF version 9"));
        // Every cut of the file is refused with a line saying so; never an exception of another kind.
        for (int cut = 0; cut < good.length; cut += 1 + cut / 50) {
            String msg = fails(f, Arrays.copyOf(good, cut), true);
            assertTrue(msg.contains("truncated") || msg.contains("outside the file"), "cut at " + cut + ": " + msg);
        }
        Fixture q = fixture(TensorType.F32, r, 4, 32);
        byte[] unknown = new GgufTestWriter().tensor("blk.0.q4k", 12, new byte[144], 1, 256).bytes();
        assertTrue(fails(f, unknown, true).contains("type 12 (Q4_K)"));
        byte[] outside = new GgufTestWriter().tensor("w", 0, q.bytes, q.shape).bytes(1 << 20);
        assertTrue(fails(f, outside, true).contains("'w' lies outside the file"));
        byte[] badValue = new GgufTestWriter().rawKey("k", 13, new byte[8]).bytes();
        assertTrue(fails(f, badValue, true).contains("value type 13"));
        byte[] hugeCount = new GgufTestWriter().u32("x", 1).bytes();
        hugeCount[16] = (byte) 0xff;   // metadata count's low byte... make it absurd
        hugeCount[22] = (byte) 0x7f;
        assertTrue(fails(f, hugeCount, true).contains("metadata count"));
    }

    @Test
    void malformed_safetensors_files_give_one_clear_line(@TempDir Path dir) throws IOException {
        SplittableRandom r = new SplittableRandom(SEED);
        Fixture a = fixture(TensorType.F32, r, 2, 3);
        Path f = dir.resolve("bad.safetensors");
        byte[] good = concat("{\"a\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,24]}}", a.bytes);
        for (int cut = 0; cut < good.length; cut++) {
            String msg = fails(f, Arrays.copyOf(good, cut), false);
            assertTrue(msg.contains("truncated") || msg.contains("outside the file") || msg.contains("bad magic"), "cut at " + cut + ": " + msg);
        }
        assertTrue(fails(f, "GGUF\3\0\0\0garbage".getBytes(StandardCharsets.US_ASCII), false).contains("bad magic"));
        assertTrue(fails(f, concat("[1,2]      "), false).contains("bad magic"));
        assertTrue(fails(f, concat("{\"a\":{\"dtype\":\"I64\",\"shape\":[3],\"data_offsets\":[0,24]}}", new byte[24]), false)
                .contains("dtype I64; supported: F32, F16, BF16"));
        assertTrue(fails(f, concat("{\"a\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,24000]}}", a.bytes), false)
                .contains("'a' lies outside the file"));
        assertTrue(fails(f, concat("{\"a\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,24]}}", a.bytes), false)
                .contains("spans 24 bytes"));
        assertTrue(fails(f, concat("{\"a\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,24]}", a.bytes), false)
                .contains("header JSON"));
    }
}
