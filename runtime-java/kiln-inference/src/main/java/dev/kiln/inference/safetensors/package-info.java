/**
 * Safetensors files, memory-mapped, and a writer (8-byte-aligned tensors, string metadata, written to a temporary
 * file and renamed).
 *
 * <pre>{@code
 * new SafetensorsWriter().metadata("note", "demo").f32("w", new long[]{2, 3}, new float[6], 0).write(Path.of("w.safetensors"));
 * try (SafetensorsFile st = SafetensorsFile.open(Path.of("w.safetensors"))) {
 *     float[] w = st.tensor("w").toFloats();
 * }
 * }</pre>
 */
package dev.kiln.inference.safetensors;
