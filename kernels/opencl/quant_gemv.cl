/*
 * GEMV over ggml's block-quantized weights, written once for OpenCL and CUDA (kernels/cuda/quant_gemv.cu includes
 * this file); same arguments and results as dev.kiln.inference.quant.QuantCpuKernels.
 *
 * y[b][o] = sum_i x[b][i] * w[o][i], w [out][in] in blocks of 32 along a row: Q8_0 = fp16 scale d + 32 int8 (34 bytes),
 * Q4_0 = d + 16 bytes of nibbles, low nibbles are values 0..15 and high ones 16..31 (18 bytes); value j is d * q_j
 * (Q4_0: d * (q_j - 8)). One work-group per output row: each item sums its blocks (k = lid, lid + L, ...), scaling
 * each block's sum by d once, then the group folds its L sums in scratch. The activation is not quantized.
 */
#include "kiln_portable.h"

#if defined(KILN_OPENCL)
#define BITS_TO_FLOAT(u) as_float(u)
#define LOCAL_PTR __local   /* a helper's pointer into work-group scratch */
#else
#define BITS_TO_FLOAT(u) __uint_as_float(u)
#define LOCAL_PTR
#endif

/* fp16 bits to fp32, exactly: normals and subnormals rebuilt bit by bit (no half type needed on either compiler). */
DEVICE_FN float half_to_float(uint h) {
    uint sign = (h & 0x8000u) << 16, e = (h >> 10) & 31u, m = h & 1023u;
    if (e == 31u) return BITS_TO_FLOAT(sign | 0x7f800000u | (m << 13));
    if (e != 0u) return BITS_TO_FLOAT(sign | ((e + 112u) << 23) | (m << 13));
    float v = (float) m * 5.9604644775390625e-8f; /* 2^-24, exact */
    return sign ? -v : v;
}

DEVICE_FN float block_dot(int q4, GLOBAL const uchar* RESTRICT blk, GLOBAL const float* RESTRICT x) {
    float s = 0.0f;
    if (q4) {
        for (int j = 0; j < 16; j++) {
            int p = blk[2 + j];
            s = fma((float) ((p & 15) - 8), x[j], s);
            s = fma((float) ((p >> 4) - 8), x[j + 16], s);
        }
    } else {
        for (int j = 0; j < 32; j++) s = fma((float) (char) blk[2 + j], x[j], s);
    }
    return s * half_to_float((uint) blk[0] | ((uint) blk[1] << 8));
}

DEVICE_FN void gemv_blocks(int q4, int batch, int in, int out, GLOBAL const uchar* RESTRICT w, GLOBAL const float* RESTRICT x,
                           GLOBAL float* RESTRICT y, LOCAL_PTR float* scratch) {
    size_t o = group_id(0), lid = local_id(0), groupSize = local_size(0);
    if (o >= (size_t) out) return;
    int blocks = in / 32, blockBytes = q4 ? 18 : 34;
    GLOBAL const uchar* row = w + o * (size_t) blocks * blockBytes;
    for (int b = 0; b < batch; b++) {
        float sum = 0.0f;
        for (size_t k = lid; k < (size_t) blocks; k += groupSize) sum += block_dot(q4, row + k * blockBytes, x + (size_t) b * in + k * 32);
        scratch[lid] = sum;
        LOCAL_BARRIER();
        for (size_t live = groupSize; live > 1; ) {
            size_t upper = (live + 1) / 2;
            if (lid < live - upper) scratch[lid] += scratch[lid + upper];
            LOCAL_BARRIER();
            live = upper;
        }
        if (lid == 0) y[(size_t) b * out + o] = scratch[0];
        LOCAL_BARRIER();
    }
}

KERNEL void gemv_q8_0(int batch, int in, int out, GLOBAL const uchar* RESTRICT w, GLOBAL const float* RESTRICT x,
                      GLOBAL float* RESTRICT y, LOCAL_ARG(float, scratch_arg)) {
    LOCAL_BIND(float, scratch, scratch_arg);
    gemv_blocks(0, batch, in, out, w, x, y, scratch);
}

KERNEL void gemv_q4_0(int batch, int in, int out, GLOBAL const uchar* RESTRICT w, GLOBAL const float* RESTRICT x,
                      GLOBAL float* RESTRICT y, LOCAL_ARG(float, scratch_arg)) {
    LOCAL_BIND(float, scratch, scratch_arg);
    gemv_blocks(1, batch, in, out, w, x, y, scratch);
}
