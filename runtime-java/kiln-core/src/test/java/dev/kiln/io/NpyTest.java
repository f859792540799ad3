package dev.kiln.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NpyTest {
    /** Bytes of {@code np.save(f, np.array([[1,2,3],[4,5,6]], dtype=np.float32))} written by NumPy 1.26. */
    private static final String NUMPY_2x3_F4 = "934e554d5059010076007b276465736372273a20273c6634272c2027666f727472616e5f6f72646572273a2046616c73652c20277368617065273a2028322c2033292c207d"
            + "20".repeat(58) + "0a" + "0000803f000000400000404000008040" + "0000a0400000c040";

    @Test
    void reads_a_file_written_by_numpy(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("a.npy");
        Files.write(f, HexFormat.of().parseHex(NUMPY_2x3_F4));
        try (Arena arena = Arena.ofConfined()) {
            NpyArray a = Npy.read(f, arena);
            assertEquals(NpyDtype.FLOAT32, a.dtype());
            assertArrayEquals(new long[]{2, 3}, a.shape());
            assertEquals(6f, a.data().getAtIndex(ValueLayout.JAVA_FLOAT, 5));
        }
    }

    @Test
    void write_then_read_round_trips_and_checks_shape(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("b.npy");
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment data = arena.allocateFrom(ValueLayout.JAVA_BYTE, new byte[]{-128, 0, 127, 5});
            Npy.write(f, new NpyArray(NpyDtype.INT8, new long[]{4}, data));
            assertEquals(0, (Files.size(f) - 4) % 64, "header padded to 64 bytes as NumPy does");
            NpyArray back = Npy.read(f, arena, NpyDtype.INT8, 4);
            assertEquals(-128, back.data().get(ValueLayout.JAVA_BYTE, 0));
            IOException e = assertThrows(IOException.class, () -> Npy.read(f, arena, NpyDtype.FLOAT32, 2, 2));
            assertTrue(e.getMessage().contains("expected float32 [2, 2], found int8 [4]"), e.getMessage());
        }
    }
}
