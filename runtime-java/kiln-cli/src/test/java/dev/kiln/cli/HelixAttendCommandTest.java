package dev.kiln.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kiln.attention.DecodeShape;
import dev.kiln.attention.ReferenceAttention;
import dev.kiln.io.Npy;
import dev.kiln.io.NpyArray;
import dev.kiln.io.NpyDtype;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.foreign.Arena;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code kiln helix attend} on .npy files: fp64-exact, independent of --kvp/--splits, clear shape errors. */
class HelixAttendCommandTest {
    @TempDir
    Path dir;

    @Test
    void attend_matches_fp64_for_any_kvp_and_splits() throws Exception {
        long seed = Long.getLong("kiln.test.seed", System.nanoTime()); // -Dkiln.test.seed=N pins it
        SplittableRandom r = new SplittableRandom(seed);
        int b = 2, hq = 6, hkv = 2, d = 24, dv = 20, s = 157;
        float[] q = rnd(r, b * hq * d), k = rnd(r, b * s * hkv * d), v = rnd(r, b * s * hkv * dv);
        try (Arena arena = Arena.ofConfined()) {
            Npy.write(dir.resolve("q.npy"), new NpyArray(NpyDtype.FLOAT32, new long[]{b, hq, d}, arena.allocateFrom(ValueLayout.JAVA_FLOAT, q)));
            Npy.write(dir.resolve("k.npy"), new NpyArray(NpyDtype.FLOAT32, new long[]{b, s, hkv, d}, arena.allocateFrom(ValueLayout.JAVA_FLOAT, k)));
            Npy.write(dir.resolve("v.npy"), new NpyArray(NpyDtype.FLOAT32, new long[]{b, s, hkv, dv}, arena.allocateFrom(ValueLayout.JAVA_FLOAT, v)));
            ReferenceAttention.Result want = ReferenceAttention.attend(new DecodeShape(hq, hkv, d, dv, false), b, s, q, k, v, 0.3);
            for (String[] opts : new String[][]{{"--kvp", "1", "--splits", "1"}, {"--kvp", "3", "--splits", "2"}, {"--kvp", "8", "--splits", "0"}}) {
                int rc = run("helix", "attend", "--q", p("q"), "--k", p("k"), "--v", p("v"), "--scale", "0.3",
                        opts[0], opts[1], opts[2], opts[3], "--out", p("o"), "--lse", p("lse"));
                assertEquals(0, rc);
                float[] o = Npy.read(dir.resolve("o.npy"), arena, NpyDtype.FLOAT32, b, hq, dv).data().toArray(ValueLayout.JAVA_FLOAT);
                float[] lse = Npy.read(dir.resolve("lse.npy"), arena, NpyDtype.FLOAT32, b, hq).data().toArray(ValueLayout.JAVA_FLOAT);
                double num = 0, den = 0, lseErr = 0;
                for (int i = 0; i < o.length; i++) { num += Math.pow(o[i] - want.output()[i], 2); den += Math.pow(want.output()[i], 2); }
                for (int i = 0; i < lse.length; i++) lseErr = Math.max(lseErr, Math.abs(lse[i] - want.lse()[i]));
                assertTrue(Math.sqrt(num / den) <= 1e-6, "seed " + seed + " " + String.join(" ", opts) + ": rel err " + Math.sqrt(num / den));
                assertTrue(lseErr <= 1e-5, "seed " + seed + ": lse err " + lseErr);
            }
        }
    }

    @Test
    void json_describes_the_files_written() throws Exception {
        long seed = System.nanoTime();
        SplittableRandom r = new SplittableRandom(seed);
        int b = 1, hq = 4, hkv = 2, d = 16, dv = 8, s = 50;
        try (Arena arena = Arena.ofConfined()) {
            Npy.write(dir.resolve("q.npy"), new NpyArray(NpyDtype.FLOAT32, new long[]{b, hq, d}, arena.allocateFrom(ValueLayout.JAVA_FLOAT, rnd(r, b * hq * d))));
            Npy.write(dir.resolve("k.npy"), new NpyArray(NpyDtype.FLOAT32, new long[]{b, s, hkv, d}, arena.allocateFrom(ValueLayout.JAVA_FLOAT, rnd(r, b * s * hkv * d))));
            Npy.write(dir.resolve("v.npy"), new NpyArray(NpyDtype.FLOAT32, new long[]{b, s, hkv, dv}, arena.allocateFrom(ValueLayout.JAVA_FLOAT, rnd(r, b * s * hkv * dv))));
            String out = CliOut.capture("helix", "attend", "--json", "--q", p("q"), "--k", p("k"), "--v", p("v"), "--kvp", "3",
                    "--out", p("o"), "--lse", p("lse"));
            JsonNode j = Json.MAPPER.readTree(out);
            assertEquals(p("o"), j.get("out").asText());
            assertEquals(p("lse"), j.get("lse").asText());
            assertEquals(1 / Math.sqrt(d), j.get("scale").asDouble(), 1e-7, "default scale 1/sqrt(D): " + out);
            assertEquals(s, j.get("shape").get("context").asInt(), out);
            int tokens = 0;
            for (JsonNode t : j.get("tokensPerKvpRank")) tokens += t.asInt();
            assertEquals(s, tokens, "the KVP ranks hold the whole context: " + out);
            long[] oShape = new long[3], lseShape = new long[2];
            for (int i = 0; i < 3; i++) oShape[i] = j.get("outShape").get(i).asLong();
            for (int i = 0; i < 2; i++) lseShape[i] = j.get("lseShape").get(i).asLong();
            Npy.read(dir.resolve("o.npy"), arena, NpyDtype.FLOAT32, oShape);       // throws unless the file has this dtype and shape
            Npy.read(dir.resolve("lse.npy"), arena, NpyDtype.FLOAT32, lseShape);
            assertEquals(b * hq * dv, oShape[0] * oShape[1] * oShape[2], out);
        }
    }

    @Test
    void a_wrong_shape_names_the_file_and_both_shapes() throws Exception {
        try (Arena arena = Arena.ofConfined()) {
            Npy.write(dir.resolve("q.npy"), new NpyArray(NpyDtype.FLOAT32, new long[]{1, 4, 8}, arena.allocate(4 * 32)));
            Npy.write(dir.resolve("k.npy"), new NpyArray(NpyDtype.FLOAT32, new long[]{1, 5, 2, 7}, arena.allocate(4 * 70)));
            Npy.write(dir.resolve("v.npy"), new NpyArray(NpyDtype.FLOAT32, new long[]{1, 5, 2, 8}, arena.allocate(4 * 80)));
            StringWriter err = new StringWriter();
            var cli = KilnCli.commandLine();
            cli.setErr(new PrintWriter(err));
            int rc = cli.execute("helix", "attend", "--q", p("q"), "--k", p("k"), "--v", p("v"), "--out", p("o"), "--lse", p("lse"));
            assertEquals(2, rc);
            String msg = err.toString();
            assertTrue(msg.contains("k.npy") && msg.contains("[1, 5, 2, 7]") && msg.contains("expected"), msg);
        }
    }

    private String p(String name) { return dir.resolve(name + ".npy").toString(); }

    private static int run(String... args) { return KilnCli.commandLine().execute(args); }

    private static float[] rnd(SplittableRandom r, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) r.nextGaussian();
        return a;
    }
}
