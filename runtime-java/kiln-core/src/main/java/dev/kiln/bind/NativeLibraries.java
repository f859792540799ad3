package dev.kiln.bind;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.SymbolLookup;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Finds native libraries for the bindings: system libraries by soname (dlopen search path), and
 * Kiln's own libraries built from {@code native/}, which travel inside the jar under
 * {@code native/linux-x86_64/} and are extracted once per process to a private temp folder.
 */
public final class NativeLibraries {
    private static final String PLATFORM = "linux-x86_64";
    private static Path extractDir;

    private NativeLibraries() {}

    /** A system library such as {@code libOpenCL.so.1}; throws {@link IllegalArgumentException} if dlopen fails. */
    public static SymbolLookup system(String soname) {
        return SymbolLookup.libraryLookup(soname, Arena.global());
    }

    /** Kiln's own library {@code lib<name>.so}, extracted from the jar (or read from the exploded classes folder). */
    public static synchronized SymbolLookup bundled(String name) {
        String file = "lib" + name + ".so";
        String resource = "/native/" + PLATFORM + "/" + file;
        try (InputStream in = NativeLibraries.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new UnsatisfiedLinkError("Kiln native library " + file + " is not in the runtime jar (" + resource
                        + "); was native/ built by the Maven build?");
            }
            if (extractDir == null) {
                extractDir = Files.createTempDirectory("kiln-native-");
                extractDir.toFile().deleteOnExit();
            }
            Path target = extractDir.resolve(file);
            if (!Files.exists(target)) {
                Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
                target.toFile().deleteOnExit();
            }
            return SymbolLookup.libraryLookup(target, Arena.global());
        } catch (IOException e) {
            throw new UnsatisfiedLinkError("cannot extract " + file + ": " + e);
        }
    }
}
