package dev.kiln.cli;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * File checks every command makes before it starts work, and the one-line wording of file errors: a command that
 * would fail at its last step (writing the result) fails at its first instead, and an error names the file and why.
 */
final class OutputFiles {
    private OutputFiles() {}

    /** Throws unless {@code file}'s directory exists and is writable (the option names it in the message). */
    static void requireWritableDirectory(String option, Path file) {
        Path dir = file.toAbsolutePath().getParent();
        if (dir == null) return;
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException(option + " " + file + ": directory " + dir + " does not exist");
        }
        if (!Files.isWritable(dir)) {
            throw new IllegalArgumentException(option + " " + file + ": directory " + dir + " is not writable");
        }
    }

    /**
     * The one line for an I/O error: the JDK's file-system exceptions carry only the path as their message
     * ({@code NoSuchFileException: x/nope.npy}), so the reason is added from the exception's type.
     */
    static String describe(IOException e) {
        if (e instanceof NoSuchFileException f) return f.getFile() + ": no such file or directory";
        if (e instanceof AccessDeniedException f) return f.getFile() + ": permission denied";
        if (e instanceof FileSystemException f && f.getReason() == null) {
            return f.getFile() + ": " + f.getClass().getSimpleName().replace("Exception", "").replaceAll("([a-z])([A-Z])", "$1 $2").toLowerCase(java.util.Locale.ROOT);
        }
        return e.getMessage();
    }
}
