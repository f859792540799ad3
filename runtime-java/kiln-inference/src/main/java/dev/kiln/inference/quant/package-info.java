/**
 * GEMV over weights in F32, F16, BF16, Q8_0 and Q4_0 read in place from a checkpoint (C kernels with prefetch on an
 * AVX-512 cpu, Vector API otherwise), and ggml's reference quantizers for writing such weights.
 *
 * <pre>{@code
 * float[] x = new float[2048], y = new float[8192];
 * QuantizedGemv.gemv(x, 1, ckpt.tensor("blk.0.ffn_up.weight"), y);   // y = W x, W [8192][2048] in Q8_0
 * byte[] q8 = Quantize.encode(TensorType.Q8_0, new float[64]);       // two blocks of 34 bytes
 * }</pre>
 */
package dev.kiln.inference.quant;
