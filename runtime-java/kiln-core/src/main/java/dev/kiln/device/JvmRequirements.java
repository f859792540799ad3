package dev.kiln.device;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * What the JVM must be given for Kiln, checked where it matters so that a missing piece is one clear sentence
 * instead of a {@code NoClassDefFoundError} or a crash. The three requirements, and who sets them:
 * <ul>
 *   <li>the Vector API ({@code jdk.incubator.vector}), used by the cpu kernels: Kiln's modules require it, so on
 *       the module path nothing is needed; on the class path add {@code --add-modules jdk.incubator.vector};</li>
 *   <li>native access: {@code --enable-native-access=dev.kiln.core} (module path) or {@code ALL-UNNAMED}
 *       (class path); without it the JDK warns and a later JDK refuses;</li>
 *   <li>signal chaining when OpenCL is PoCL: PoCL compiles kernels with LLVM inside the process and LLVM replaces
 *       the JVM's SIGSEGV handler while it compiles, so a JVM thread that traps meanwhile kills the process
 *       (exit 139). Start the JVM with {@code LD_PRELOAD=$JAVA_HOME/lib/libjsig.so}.</li>
 * </ul>
 */
public final class JvmRequirements {
    /** Set to {@code true} to use an in-process-LLVM OpenCL platform without libjsig anyway. */
    public static final String ALLOW_UNCHAINED_SIGNALS = "kiln.opencl.allowUnchainedSignals";

    private JvmRequirements() {}

    /** Empty when the Vector API is in this JVM, else what to add to the java command. */
    public static Optional<String> vectorApiProblem() {
        if (ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent()) return Optional.empty();
        return Optional.of("the Vector API module is not in this JVM: add --add-modules jdk.incubator.vector to the java command "
                + "(Kiln's cpu kernels use it; on the module path Kiln's modules require it themselves)");
    }

    /** Whether libjsig, the JDK's signal-chaining library, is loaded into this process. */
    public static boolean signalChainingLoaded() {
        try {
            return Files.readString(Path.of("/proc/self/maps")).contains("/libjsig.so");
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }

    /** Empty when an OpenCL platform that compiles with LLVM in-process ({@code platform}) may be used here. */
    public static Optional<String> signalChainingProblem(String platform) {
        if (signalChainingLoaded() || Boolean.getBoolean(ALLOW_UNCHAINED_SIGNALS)) return Optional.empty();
        return Optional.of(platform + " compiles kernels with LLVM inside this JVM, which takes the JVM's SIGSEGV handler while it "
                + "compiles (a random exit 139): start java with LD_PRELOAD=$JAVA_HOME/lib/libjsig.so, or set -D"
                + ALLOW_UNCHAINED_SIGNALS + "=true to take the risk");
    }
}
