package dev.kiln.device.testing;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Runs a main class of the runtime or its tests in a fresh JVM with a changed environment (a stub
 * libcuda, no OpenCL vendors): what a backend does at discovery can only be observed in a new process.
 */
public final class ChildJvm {
    public record Result(int exitCode, String output) {}

    private ChildJvm() {}

    public static Result run(Map<String, String> env, String mainClass, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-cp", classPath(), mainClass));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().putAll(env);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(mainClass + " did not finish in 120 s; output so far:\n" + out);
        }
        return new Result(p.exitValue(), out);
    }

    /** The test JVM's classes and jars, whether surefire put them on the module path or the class path. */
    private static String classPath() {
        List<String> parts = new ArrayList<>(List.of(Path.of("target/classes").toAbsolutePath().toString(),
                Path.of("target/test-classes").toAbsolutePath().toString()));
        for (String prop : new String[]{"jdk.module.path", "java.class.path"}) {
            String v = System.getProperty(prop);
            if (v != null) Stream.of(v.split(File.pathSeparator)).filter(s -> !s.isBlank() && !parts.contains(s)).forEach(parts::add);
        }
        return String.join(File.pathSeparator, parts);
    }
}
