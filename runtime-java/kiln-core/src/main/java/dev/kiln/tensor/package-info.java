/**
 * Host tensors: a {@link dev.kiln.tensor.DType}, a shape and a {@link java.lang.foreign.MemorySegment}, read from
 * and written to NumPy {@code .npy} files.
 *
 * <pre>{@code
 * try (Tensor x = Tensor.of(new float[]{1, 2, 3, 4, 5, 6}, 2, 3)) {
 *     x.writeNpy(Path.of("x.npy"));          // a temporary file, renamed when complete
 * }
 * }</pre>
 */
package dev.kiln.tensor;
