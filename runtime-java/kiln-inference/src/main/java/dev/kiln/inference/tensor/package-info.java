/**
 * Checkpoint tensors as slices of a memory-mapped file: {@link dev.kiln.inference.tensor.Tensor} (name, type, shape,
 * bytes), the types Kiln reads ({@link dev.kiln.inference.tensor.TensorType}: F32, F16, BF16, Q8_0, Q4_0), typed
 * metadata and the {@link dev.kiln.inference.tensor.Checkpoint} both file formats implement.
 *
 * <pre>{@code
 * try (Checkpoint ckpt = GgufFile.open(Path.of("model.gguf"))) {
 *     Tensor wq = ckpt.tensor("blk.0.attn_q.weight");      // no copy: wq.data() lies in the mapping
 *     long heads = ckpt.metadata().integer("llama.attention.head_count");
 *     float[] norm = ckpt.tensor("output_norm.weight").toFloats();
 * }
 * }</pre>
 */
package dev.kiln.inference.tensor;
