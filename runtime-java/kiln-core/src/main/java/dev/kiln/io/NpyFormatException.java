package dev.kiln.io;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A {@code .npy} file that is not a valid array: the one error {@link Npy#read} gives for a malformed file, naming
 * the file, the part of the format at fault (the {@linkplain #field() field}: {@code magic}, {@code version},
 * {@code header length}, {@code header}, {@code descr}, {@code fortran_order}, {@code shape} or {@code data}) and
 * what was found against what is allowed.
 */
public final class NpyFormatException extends IOException {
    private final transient Path file;
    private final String field;

    NpyFormatException(Path file, String field, String detail) {
        super(file + ": .npy " + field + ": " + detail);
        this.file = file;
        this.field = field;
    }

    /** The file that failed to parse. */
    public Path file() { return file; }

    /** The part of the format at fault. */
    public String field() { return field; }
}
