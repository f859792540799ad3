package dev.kiln.inference.tensor;

import java.io.IOException;
import java.nio.file.Path;

/** A checkpoint file that cannot be read as what it claims to be; the message is one line naming the file and the fault. */
public final class CheckpointFormatException extends IOException {
    public CheckpointFormatException(Path file, String fault) {
        super(file.getFileName() + ": " + fault);
    }
}
