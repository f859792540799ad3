package dev.kiln.cli;

import dev.kiln.attention.DecodeShape;
import picocli.CommandLine.Option;

/** The decode-attention shape options that {@code helix bench} and {@code helix device-bench} share (a picocli mixin). */
final class DecodeShapeOptions {
    @Option(names = "--shape", defaultValue = "gqa", description = "gqa (32q/8kv, D 128: Llama 3 8B), gqa64 (32q/8kv, D 64: Llama 3.2 1B), mqa, mha or mla (default: ${DEFAULT-VALUE}).")
    String shape;

    @Option(names = "--batch", defaultValue = "1", description = "Sequences (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--block", defaultValue = "64", description = "KV page size in tokens (default: ${DEFAULT-VALUE}).")
    int block;

    /** The named shape; throws naming the option when --batch or --block is not positive. */
    DecodeShape decodeShape() {
        if (batch < 1) throw new IllegalArgumentException("--batch must be >= 1, was " + batch);
        if (block < 1) throw new IllegalArgumentException("--block must be >= 1, was " + block);
        return DecodeShape.named(shape);
    }
}
