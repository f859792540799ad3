/**
 * GGUF v2/v3 files, memory-mapped: metadata of every GGUF type and tensors of the supported types; a malformed file
 * gives one {@link dev.kiln.inference.tensor.CheckpointFormatException} line.
 *
 * <pre>{@code
 * try (GgufFile gguf = GgufFile.open(Path.of("model.gguf"))) {
 *     System.out.println(gguf.metadata().string("general.architecture") + ", " + gguf.tensors().size() + " tensors");
 * }
 * }</pre>
 */
package dev.kiln.inference.gguf;
