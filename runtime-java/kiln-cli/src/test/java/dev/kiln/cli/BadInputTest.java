package dev.kiln.cli;

import dev.kiln.io.Npy;
import dev.kiln.io.NpyArray;
import dev.kiln.io.NpyDtype;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.foreign.Arena;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Bad input a new user meets, each answered with exit 2 and one exact line: a non-finite --scale, a malformed .npy
 * header, a missing input file, a missing output directory (found before the work, not after it), a result that
 * could only be half written, a --quant file that is not JSON. NaN in the data is not bad input: it reaches the
 * output.
 */
class BadInputTest {
    @TempDir
    Path dir;
    private final StringWriter err = new StringWriter();

    @BeforeEach
    void inputs() throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            float[] q = new float[2 * 4 * 8];
            for (int i = 0; i < q.length; i++) q[i] = (i % 5) * 0.1f;
            q[8] = Float.NaN; // sequence 0, head 1
            Npy.write(dir.resolve("q.npy"), new NpyArray(NpyDtype.FLOAT32, new long[]{2, 4, 8}, arena.allocateFrom(ValueLayout.JAVA_FLOAT, q)));
            Npy.write(dir.resolve("k.npy"), new NpyArray(NpyDtype.FLOAT32, new long[]{2, 5, 2, 8}, arena.allocate(4 * 160)));
            Npy.write(dir.resolve("v.npy"), new NpyArray(NpyDtype.FLOAT32, new long[]{2, 5, 2, 8}, arena.allocate(4 * 160)));
        }
    }

    @Test
    void a_nan_scale_is_refused() {
        assertFails("kiln: --scale must be a finite number, was NaN", attend("--scale", "NaN", "--out", p("o.npy"), "--lse", p("lse.npy")));
        assertFalse(Files.exists(dir.resolve("o.npy")));
    }

    @Test
    void nan_in_the_query_reaches_that_head_only() throws IOException {
        assertEquals(0, execute(attend("--out", p("o.npy"), "--lse", p("lse.npy"))), err.toString());
        try (Arena arena = Arena.ofConfined()) {
            float[] o = Npy.read(dir.resolve("o.npy"), arena).data().toArray(ValueLayout.JAVA_FLOAT);
            float[] lse = Npy.read(dir.resolve("lse.npy"), arena).data().toArray(ValueLayout.JAVA_FLOAT);
            for (int row = 0; row < 8; row++) {
                boolean nanHead = row == 1;
                assertEquals(nanHead, Float.isNaN(lse[row]), "lse row " + row);
                for (int d = 0; d < 8; d++) assertEquals(nanHead, Float.isNaN(o[row * 8 + d]), "o row " + row + " dim " + d);
            }
        }
    }

    @Test
    void a_malformed_npy_header_names_the_file_and_the_field() throws IOException {
        byte[] good = Files.readAllBytes(dir.resolve("q.npy"));
        String header = new String(good, StandardCharsets.ISO_8859_1).replace("(2, 4, 8)", "(-2,-3,8)");
        Files.write(dir.resolve("q.npy"), header.getBytes(StandardCharsets.ISO_8859_1));
        assertFails("kiln: " + p("q.npy") + ": .npy shape: dimension 0 is -2; dimensions are integers >= 0",
                attend("--out", p("o.npy"), "--lse", p("lse.npy")));
    }

    @Test
    void a_missing_input_says_so() throws IOException {
        Files.delete(dir.resolve("k.npy"));
        assertFails("kiln: " + p("k.npy") + ": no such file or directory", attend("--out", p("o.npy"), "--lse", p("lse.npy")));
    }

    @Test
    void a_missing_output_directory_is_found_before_the_work() {
        Path out = dir.resolve("nodir/o.npy");
        assertFails("kiln: --out " + out + ": directory " + out.getParent() + " does not exist", attend("--out", out.toString(), "--lse", p("lse.npy")));
        Path lse = dir.resolve("nodir/lse.npy");
        assertFails("kiln: --lse " + lse + ": directory " + lse.getParent() + " does not exist", attend("--out", p("o.npy"), "--lse", lse.toString()));
        assertFalse(Files.exists(dir.resolve("o.npy")), "o.npy written although --lse could never be");
    }

    @Test
    void no_output_is_left_when_the_second_one_cannot_be_written() throws IOException {
        Path lse = Files.createDirectories(dir.resolve("lse.npy")); // the rename onto a directory fails
        Files.writeString(lse.resolve("keep"), "x");
        assertEquals(2, execute(attend("--out", p("o.npy"), "--lse", lse.toString())));
        assertFalse(Files.exists(dir.resolve("o.npy")), "o.npy left without its lse.npy");
        try (var files = Files.list(dir)) {
            assertTrue(files.noneMatch(f -> f.getFileName().toString().contains(".partial-")), "a partial file was left behind");
        }
    }

    @Test
    void helix_simulate_checks_the_plot_directory_first() {
        Path plot = dir.resolve("nodir/x.png");
        // The simulation prints its tables to System.out; failing first means nothing was printed.
        java.io.ByteArrayOutputStream stdout = new java.io.ByteArrayOutputStream();
        java.io.PrintStream saved = System.out;
        System.setOut(new java.io.PrintStream(stdout, true, StandardCharsets.UTF_8));
        try {
            assertFails("kiln: --plot " + plot + ": directory " + plot.getParent() + " does not exist", new String[]{"helix", "simulate", "--plot", plot.toString()});
        } finally {
            System.setOut(saved);
        }
        assertEquals("", stdout.toString(StandardCharsets.UTF_8), "the simulation ran before the --plot check");
    }

    @Test
    void a_quant_file_that_is_not_json_names_the_file_and_the_place() throws IOException {
        Path quant = Files.writeString(dir.resolve("q.json"), "{\"inputScale\": nope}");
        IOException e = assertThrows(IOException.class, () -> TconvRun.readQuant(quant, 4));
        assertEquals(quant + ": not valid JSON at line 1, column 16: Unrecognized token 'nope': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')",
                e.getMessage());
    }

    private String[] attend(String... more) {
        String[] base = {"helix", "attend", "--q", p("q.npy"), "--k", p("k.npy"), "--v", p("v.npy")};
        String[] all = java.util.Arrays.copyOf(base, base.length + more.length);
        System.arraycopy(more, 0, all, base.length, more.length);
        return all;
    }

    private void assertFails(String line, String[] args) {
        err.getBuffer().setLength(0);
        assertEquals(2, execute(args), err.toString());
        assertEquals(line, err.toString().strip());
    }

    private int execute(String[] args) {
        var cli = KilnCli.commandLine();
        cli.setErr(new PrintWriter(err, true));
        cli.setOut(new PrintWriter(new StringWriter(), true));
        return cli.execute(args);
    }

    private String p(String name) { return dir.resolve(name).toString(); }
}
