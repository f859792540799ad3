/* libkiln_cpu: GEMV over ggml's block-quantized weights, Q8_0 and Q4_0 (dev.kiln.inference.quant.QuantizedGemv). */
#pragma GCC push_options
#pragma GCC target("avx512f,avx512bw,avx512vl,fma,f16c")
#include "kiln_cpu.h"
#include <stddef.h>

/*
 * y[b][o] = sum_i x[b][i] * w[o][i] for rows o in [from, to) of w ([out][in] in blocks of 32 along a row; y is [batch][out]).
 * A Q8_0 block is an fp16 scale d and 32 int8 (34 bytes), a Q4_0 block d and 16 bytes of nibbles, low nibbles first (18 bytes);
 * value j is d * q_j (Q4_0: d * (q_j - 8)). The activation stays fp32 (it is not quantized as llama.cpp does).
 *
 * At decode every weight byte is read once per step, so the kernel must decode a block in fewer cycles than the memory
 * takes to deliver it. With 512-bit instructions in flight an Intel core issues vector work on two ports only (0 and 5), so
 * the kernels count those micro-ops per block:
 * - Q8_0: two vpmovsxbd straight from memory (port 5), two vcvtdq2ps (port 0), a multiply and an FMA with x, and one FMA
 *   that scales the block's 16 partial sums by d and adds them to the row's accumulator: 7.
 * - Q4_0: one vpmovzxbd from memory (port 5) holds all 16 bytes, one shift brings the high nibbles down, and each half
 *   becomes fp32 without a conversion: vpternlogd ORs the nibble into the mantissa of 2^23 (the float 2^23 + q, exact) and a
 *   subtraction of 2^23 + 8 leaves q - 8, exactly (and, convert, subtract 8 would be three). Then the same multiply, FMA and
 *   scale FMA: 9 for 18 bytes, which is why Q4_0 stays below the read ceiling on a core that is not faster than its memory.
 * The fp16 scales of 16 blocks are fetched with one gather, converted together and kept in a small array, so that the
 * scale FMA takes d as a broadcast memory operand (a load, no shuffle) instead of a per-block fp16 load, convert and
 * broadcast (three more port-5 micro-ops). Rows [from, to) are contiguous, one stream; the kernel prefetches it
 * PREFETCH_BYTES ahead into L2, one prefetch per cache line, since the hardware prefetchers stop at 4 KiB pages. 2 KiB
 * measured best on the Intel VM of docs/inference.md (1, 3 and 4 KiB lost 3-12 % of the decode's fraction of the ceiling).
 * Not bit-identical to the Java kernel (other summation order); both are held to an fp64 reference.
 */
#define PREFETCH_BYTES 2048

/* The fp32 scales of the n <= 16 blocks at p (block k's fp16 d at p + k * stride, offsets = k * stride): one gather. */
static inline __attribute__((always_inline)) void block_scales(const uint8_t *p, int n, __m512i offsets, float *scales) {
    __m512i raw = _mm512_mask_i32gather_epi32(_mm512_setzero_si512(), (__mmask16) ((1u << n) - 1), offsets, p, 1);
    _mm512_store_ps(scales, _mm512_cvtph_ps(_mm512_cvtepi32_epi16(raw)));
}

/* Prefetches [p, p + bytes) into L2, one prefetch per 64-byte line. */
static inline __attribute__((always_inline)) void prefetch_span(const uint8_t *p, long bytes) {
    for (long i = 0; i < bytes; i += 64) _mm_prefetch((const char *) (p + i), _MM_HINT_T1);
}

/* The 16 fp32 products of one Q8_0 block's 32 values with x (two halves summed lane by lane), before the scale. */
static inline __attribute__((always_inline)) __m512 q8_block(const uint8_t *blk, const float *x) {
    __m512 p = _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(_mm_loadu_si128((const __m128i *) (blk + 2)))), _mm512_loadu_ps(x));
    return _mm512_fmadd_ps(_mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(_mm_loadu_si128((const __m128i *) (blk + 18)))), _mm512_loadu_ps(x + 16), p);
}

/* The same for a Q4_0 block: nibble q becomes the float 2^23 + q by OR into 2^23's mantissa, minus 2^23 + 8 is q - 8. */
static inline __attribute__((always_inline)) __m512 q4_block(const uint8_t *blk, const float *x) {
    const __m512i nibble = _mm512_set1_epi32(0x0f), two23 = _mm512_set1_epi32(0x4b000000);
    const __m512 bias = _mm512_set1_ps(8388616.0f); /* 2^23 + 8 */
    __m512i bytes = _mm512_cvtepu8_epi32(_mm_loadu_si128((const __m128i *) (blk + 2)));
    /* ternary logic 0xEA: (a & b) | c */
    __m512 lo = _mm512_sub_ps(_mm512_castsi512_ps(_mm512_ternarylogic_epi32(bytes, nibble, two23, 0xEA)), bias);
    __m512 hi = _mm512_sub_ps(_mm512_castsi512_ps(_mm512_ternarylogic_epi32(_mm512_srli_epi32(bytes, 4), nibble, two23, 0xEA)), bias);
    return _mm512_fmadd_ps(hi, _mm512_loadu_ps(x + 16), _mm512_mul_ps(lo, _mm512_loadu_ps(x)));
}

/*
 * One row's dot product with x over `blocks` blocks of blockBytes (34: Q8_0, 18: Q4_0), prefetching ahead when asked.
 * Two accumulators, so that consecutive blocks' scale FMAs do not wait on each other.
 */
static inline __attribute__((always_inline)) float dot_row(const uint8_t *row, const float *x, long blocks, int blockBytes, int q4,
                                                           __m512i offsets, int prefetch) {
    float scales[16] __attribute__((aligned(64)));
    __m512 a0 = _mm512_setzero_ps(), a1 = a0;
    for (long k0 = 0; k0 < blocks; k0 += 16) {
        int n = blocks - k0 < 16 ? (int) (blocks - k0) : 16;
        const uint8_t *group = row + k0 * blockBytes;
        const float *xg = x + k0 * 32;
        if (prefetch) prefetch_span(group + PREFETCH_BYTES, (long) n * blockBytes);
        block_scales(group, n, offsets, scales);
        int k = 0;
        for (; k + 2 <= n; k += 2) {
            __m512 p0 = q4 ? q4_block(group + (long) k * blockBytes, xg + k * 32) : q8_block(group + (long) k * blockBytes, xg + k * 32);
            __m512 p1 = q4 ? q4_block(group + (long) (k + 1) * blockBytes, xg + k * 32 + 32) : q8_block(group + (long) (k + 1) * blockBytes, xg + k * 32 + 32);
            a0 = _mm512_fmadd_ps(p0, _mm512_set1_ps(scales[k]), a0);
            a1 = _mm512_fmadd_ps(p1, _mm512_set1_ps(scales[k + 1]), a1);
        }
        if (k < n) {
            __m512 p0 = q4 ? q4_block(group + (long) k * blockBytes, xg + k * 32) : q8_block(group + (long) k * blockBytes, xg + k * 32);
            a0 = _mm512_fmadd_ps(p0, _mm512_set1_ps(scales[k]), a0);
        }
    }
    return _mm512_reduce_add_ps(_mm512_add_ps(a0, a1));
}

/* Rows [from, to): each row is decoded once per batch row, the first pass prefetching (later passes hit L1). */
static inline __attribute__((always_inline)) void gemv_blocks(const float *x, int32_t batch, int32_t in, const uint8_t *w, int32_t out,
                                                              int32_t from, int32_t to, float *y, int blockBytes, int q4) {
    const long blocks = in / 32, rowBytes = blocks * blockBytes;
    const __m512i offsets = _mm512_mullo_epi32(_mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15), _mm512_set1_epi32(blockBytes));
    for (int o = from; o < to; o++) {
        const uint8_t *row = w + (long) o * rowBytes;
        y[o] = dot_row(row, x, blocks, blockBytes, q4, offsets, 1);
        for (int b = 1; b < batch; b++) y[(long) b * out + o] = dot_row(row, x + (long) b * in, blocks, blockBytes, q4, offsets, 0);
    }
}

void kiln_gemv_q8_0(const float *x, int32_t batch, int32_t in, const uint8_t *w, int32_t out, int32_t from, int32_t to, float *y) {
    gemv_blocks(x, batch, in, w, out, from, to, y, 34, 0);
}

void kiln_gemv_q4_0(const float *x, int32_t batch, int32_t in, const uint8_t *w, int32_t out, int32_t from, int32_t to, float *y) {
    gemv_blocks(x, batch, in, w, out, from, to, y, 18, 1);
}

#pragma GCC pop_options
