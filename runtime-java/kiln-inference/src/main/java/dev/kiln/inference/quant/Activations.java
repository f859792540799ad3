package dev.kiln.inference.quant;

/**
 * How a GEMV over Q8_0 or Q4_0 weights takes its activation {@code x}. The weights are read the same way either way;
 * this decides the arithmetic, and with it how close the decode gets to the memory's read rate on the cpu.
 */
public enum Activations {
    /**
     * {@code x} stays fp32: each block of 32 weights becomes fp32 and meets {@code x} in fp32 FMAs. The only error
     * against fp64 on the dequantized weights is fp32 summation, within {@code (in + 2) · 2⁻²⁴ · Σ|w·x|}.
     */
    FP32,
    /**
     * {@code x} is quantized once per GEMV to int8 blocks of 32, as llama.cpp does for these weights: scale
     * {@code d_k = max|x| / 127} per block, {@code q = round(x / d_k)}, so {@code |x − d_k·q| ≤ d_k / 2}. Each pair
     * of blocks is then one int8 dot product instruction (AVX-512 VNNI), exact in int32, scaled once by
     * {@code d_w·d_k}. Error per output: within {@code Σ_k (d_k / 2)·Σ_{j∈k} |w_j|} of the fp32 result (plus fp32
     * summation), about 0.4 % of {@code Σ|w·x|} for Gaussian activations. Where the cpu lacks AVX-512 VNNI (or the
     * native kernels), the GEMV runs as {@link #FP32} and {@link QuantizedGemv#activationsInEffect} says so.
     */
    INT8;

    /** {@code fp32} or {@code int8}, as the CLI spells it. */
    public static Activations parse(String name) {
        return switch (name) {
            case "fp32" -> FP32;
            case "int8" -> INT8;
            default -> throw new IllegalArgumentException("activations = '" + name + "'; allowed: int8, fp32");
        };
    }

    @Override
    public String toString() { return this == FP32 ? "fp32" : "int8"; }
}
