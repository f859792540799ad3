package dev.kiln.collective.rendezvous;

import java.util.ArrayList;
import java.util.List;

/**
 * The command line that starts a worker process (one rank) on this host: this JVM's {@code java}, its module
 * path or class path, and a typed entry point (a class with {@code main}) in the workload's own module.
 * From the module path the worker runs as {@code -m module/class}; from the class path as {@code -cp … class}.
 *
 * <pre>{@code
 * List<String> cmd = WorkerJvm.command(BenchWorker.class, List.of("-Xmx1200m"));
 * cmd.addAll(config.workerArgs());
 * }</pre>
 */
public final class WorkerJvm {
    private WorkerJvm() {}

    /** {@code java} with the options every Kiln worker needs, {@code jvmOptions}, then {@code entryPoint}. */
    public static List<String> command(Class<?> entryPoint, List<String> jvmOptions) {
        String java = ProcessHandle.current().info().command().orElse(System.getProperty("java.home") + "/bin/java");
        String modulePath = System.getProperty("jdk.module.path");
        boolean modular = entryPoint.getModule().isNamed() && modulePath != null;
        List<String> cmd = new ArrayList<>(List.of(java, "--add-modules", "jdk.incubator.vector",
                "--enable-native-access=" + (modular ? "dev.kiln.core" : "ALL-UNNAMED"), "-Xss4m", "-XX:-UsePerfData"));
        cmd.addAll(jvmOptions);
        if (modular) {
            cmd.addAll(List.of("--module-path", modulePath, "-m", entryPoint.getModule().getName() + "/" + entryPoint.getName()));
        } else {
            cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), entryPoint.getName()));
        }
        return cmd;
    }
}
