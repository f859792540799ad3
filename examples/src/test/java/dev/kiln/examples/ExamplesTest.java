package dev.kiln.examples;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Runs every example as a user would, in a fresh JVM, once from the class path and once from the module path.
 * Each example checks its own result and exits non-zero when it is wrong.
 */
class ExamplesTest {
    private static final String JAVA = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    private static final String LIBJSIG = Path.of(System.getProperty("java.home"), "lib", "libjsig.so").toString();

    @ParameterizedTest
    @ValueSource(strings = {"TransposedConvFromNpy", "AttentionOnTwoShards", "LossyAllreduceTwoProcesses", "GenerateWithCallback"})
    void runs_from_the_class_path(String example) throws Exception {
        Run r = run(Map.of("LD_PRELOAD", LIBJSIG), "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
                "-cp", classes() + File.pathSeparator + dependencies(), "dev.kiln.examples." + example);
        assertEquals(0, r.exit(), example + " from the class path:\n" + r.output());
    }

    @ParameterizedTest
    @ValueSource(strings = {"TransposedConvFromNpy", "AttentionOnTwoShards", "LossyAllreduceTwoProcesses", "GenerateWithCallback"})
    void runs_from_the_module_path(String example) throws Exception {
        Run r = run(Map.of("LD_PRELOAD", LIBJSIG), "--enable-native-access=dev.kiln.core",
                "--module-path", classes() + File.pathSeparator + dependencies(), "-m", "dev.kiln.examples/dev.kiln.examples." + example);
        assertEquals(0, r.exit(), example + " from the module path:\n" + r.output());
    }

    /** Without libjsig the PoCL OpenCL platform says why it is off and {@code auto} falls back to the cpu: no crash. */
    @Test
    void without_signal_chaining_auto_skips_pocl_and_still_runs() throws Exception {
        Run r = run(Map.of(), "--enable-native-access=dev.kiln.core",
                "--module-path", classes() + File.pathSeparator + dependencies(), "-m", "dev.kiln.examples/dev.kiln.examples.TransposedConvFromNpy");
        assertEquals(0, r.exit(), r.output());
    }

    /** On the class path without the Vector API module, the error says what to add, not NoClassDefFoundError. */
    @Test
    void a_missing_vector_api_module_is_named() throws Exception {
        Run r = run(Map.of(), "--enable-native-access=ALL-UNNAMED", "-cp", classes() + File.pathSeparator + dependencies(),
                "dev.kiln.examples.AttentionOnTwoShards");
        assertTrue(r.exit() != 0, r.output());
        assertTrue(r.output().contains("--add-modules jdk.incubator.vector"), r.output());
        assertFalse(r.output().contains("NoClassDefFoundError"), r.output());
    }

    private record Run(int exit, String output) {}

    private static Run run(Map<String, String> env, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(JAVA));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().remove("LD_PRELOAD");
        pb.environment().putAll(env);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(180, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(String.join(" ", cmd) + " did not finish in 180 s:\n" + out);
        }
        return new Run(p.exitValue(), out);
    }

    private static String classes() { return Path.of("target", "classes").toAbsolutePath().toString(); }

    private static String dependencies() throws Exception {
        return Files.readString(Path.of("target", "runtime-classpath.txt")).strip();
    }
}
