package dev.kiln.inference.tensor;

import java.nio.file.Path;
import java.util.Map;

/**
 * A memory-mapped checkpoint: named tensors whose data are slices of the mapping, and metadata. Closing it unmaps
 * the file, after which no tensor of it may be read.
 */
public interface Checkpoint extends AutoCloseable {
    Path path();

    Metadata metadata();

    /** Every tensor by name, in file order. */
    Map<String, Tensor> tensors();

    /** The tensor {@code name}, or an exception naming the file and the tensor. */
    default Tensor tensor(String name) {
        Tensor t = tensors().get(name);
        if (t == null) throw new IllegalArgumentException(path().getFileName() + ": tensor '" + name + "' is missing (the file has " + tensors().size() + " tensors)");
        return t;
    }

    default boolean hasTensor(String name) { return tensors().containsKey(name); }

    @Override
    void close();
}
