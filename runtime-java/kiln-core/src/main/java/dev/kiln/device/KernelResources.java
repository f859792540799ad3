package dev.kiln.device;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Kernel sources and binaries packed in the runtime jar: {@code kernels/opencl/<program>.cl},
 * {@code kernels/include/*.h} and {@code kernels/cuda/<program>.ptx} (built by nvcc during the Maven build).
 */
public final class KernelResources {
    private static final Pattern INCLUDE = Pattern.compile("^\\s*#\\s*include\\s+\"([^\"]+)\"\\s*$", Pattern.MULTILINE);

    private KernelResources() {}

    /** The OpenCL C source of {@code program} with its {@code #include "x.h"} lines replaced by {@code kernels/include/x.h}. */
    public static String openClSource(String program) {
        String file = "kernels/opencl/" + program + ".cl";
        return inlineIncludes(file, read(file, "OpenCL program '" + program + "'"));
    }

    /** The PTX of {@code program}, NUL-terminated as {@code cuModuleLoadData} wants it. */
    public static byte[] ptx(String program) {
        String file = "kernels/cuda/" + program + ".ptx";
        byte[] text = read(file, "CUDA program '" + program + "' (was nvcc run by the build?)").getBytes(StandardCharsets.US_ASCII);
        byte[] z = new byte[text.length + 1];
        System.arraycopy(text, 0, z, 0, text.length);
        return z;
    }

    /**
     * Inlines quoted includes from {@code kernels/include/}, keeping the compiler's line numbers true with
     * {@code #line} so a build log points at the right line of the right file. OpenCL builds get no include
     * path, since the sources live in the jar.
     */
    static String inlineIncludes(String file, String source) {
        Matcher m = INCLUDE.matcher(source);
        StringBuilder out = new StringBuilder();
        int last = 0;
        while (m.find()) {
            String header = "kernels/include/" + m.group(1);
            int lineAfter = (int) source.substring(0, m.end()).lines().count() + 1;
            out.append(source, last, m.start())
                    .append("#line 1 \"").append(header).append("\"\n")
                    .append(read(header, "header '" + m.group(1) + "' included by " + file))
                    .append("\n#line ").append(lineAfter).append(" \"").append(file).append("\"");
            last = m.end();
        }
        return out.append(source, last, source.length()).toString();
    }

    private static String read(String path, String what) {
        try (InputStream in = KernelResources.class.getResourceAsStream("/" + path)) {
            if (in == null) throw new IllegalArgumentException(what + " not found: no resource " + path + " in the runtime jar");
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + path, e);
        }
    }
}
