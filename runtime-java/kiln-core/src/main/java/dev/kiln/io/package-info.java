/**
 * NumPy {@code .npy} files, the format ML users exchange tensors in. {@link dev.kiln.tensor.Tensor} is the usual way
 * in; {@link dev.kiln.io.Npy} reads into a caller's {@link java.lang.foreign.Arena}.
 *
 * <pre>{@code
 * try (Arena arena = Arena.ofConfined()) {
 *     NpyArray a = Npy.read(Path.of("x.npy"), arena, NpyDtype.FLOAT32, 2, 3);   // checks dtype and shape
 * }
 * }</pre>
 */
package dev.kiln.io;
