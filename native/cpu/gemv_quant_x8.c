/* libkiln_cpu: GEMV over Q8_0 / Q4_0 weights with the activation quantized to 8 bits per block, as llama.cpp does
 * (dev.kiln.inference.quant.QuantizedGemv, Activations.INT8). Needs AVX-512 VNNI (kiln_cpu_has_avx512_vnni). */
#pragma GCC push_options
#pragma GCC target("avx512f,avx512bw,avx512vl,avx512vnni,fma,f16c")
#include "kiln_cpu.h"
#include <stddef.h>

/*
 * Why: the fp32-activation kernels of gemv_quant.c spend 7 (Q8_0) and 9 (Q4_0) vector micro-ops per 32 weights, and on
 * the two cores of docs/inference.md's VMs that is close enough to the memory's pace that the stream stalls behind the
 * arithmetic (0.79 of the read ceiling for Q8_0). Quantizing x once per GEMV to int8 blocks of 32 lets one vpdpbusd
 * multiply 64 weights by 64 activations and add them in fours: per two Q8_0 blocks a 256-bit load and insert, an XOR,
 * the vpdpbusd, a conversion, a permute that spreads the two blocks' scales, and an FMA (3 per block); Q4_0 a masked
 * broadcast, a variable shift and an AND instead of the insert and XOR (3.5 per block).
 *
 * The activation block k: q_j = round-to-nearest-even(x_j * 127 / m_k) with m_k = max_j |x_j| (fp32), scale
 * d_k = m_k / 127, so x_j = d_k q_j + e_j with |e_j| <= d_k / 2 (and an ulp of the product). A block holding a NaN or
 * an infinity gets d_k = NaN, so every output it touches is NaN.
 *
 * vpdpbusd takes one operand unsigned: Q8_0's int8 weights are flipped to w + 128 (XOR 0x80) and the block's 128 * sum_j q_j
 * subtracted once per row; Q4_0's nibbles are already unsigned (0..15 for w + 8), and 8 * sum_j q_j is subtracted. The
 * int32 sums are exact (at most 4 * 255 * 127 per lane), so the only roundings are the fp32 scale d_w * d_x, its FMA, and
 * the fp32 accumulation across blocks.
 */
#define PREFETCH_BYTES 2048

/* The quantized activation of `in` values (a multiple of 32): int8 q[in] | float d[in / 32] | float sum_q[in / 32]
 * (CpuNativeKernels.x8Bytes). */
static inline long x8_bytes(int32_t in) { return (long) in + 8L * (in / 32); }

/* Quantizes `batch` rows of x [batch][in] into xq [batch][x8_bytes(in)]. */
void kiln_quantize_x8(const float *x, int32_t batch, int32_t in, uint8_t *xq) {
    const __m512 zero = _mm512_setzero_ps();
    for (int b = 0; b < batch; b++) {
        const float *xb = x + (long) b * in;
        int8_t *q = (int8_t *) (xq + (long) b * x8_bytes(in));
        float *d = (float *) (q + in), *sum = d + in / 32;
        for (int k = 0; k < in / 32; k++) {
            __m512 lo = _mm512_loadu_ps(xb + 32 * k), hi = _mm512_loadu_ps(xb + 32 * k + 16);
            float m = _mm512_reduce_max_ps(_mm512_max_ps(_mm512_abs_ps(lo), _mm512_abs_ps(hi)));
            /* x * 0 is NaN exactly where x is NaN or infinite (max would drop a NaN); the sum carries it into d. */
            float nonFinite = _mm512_reduce_add_ps(_mm512_add_ps(_mm512_mul_ps(lo, zero), _mm512_mul_ps(hi, zero)));
            /* 127 / m overflows for m below about 3.7e-37: such a block is first scaled by 2^64 (exact), which leaves
             * x * 127 / m, and so q, as it would be without the overflow. */
            int tiny = m < 0x1p-100f;
            float ms = tiny ? m * 0x1p64f : m;
            __m512 inv = _mm512_set1_ps(ms > 0 ? 127.0f / ms : 0.0f);
            if (tiny) {
                lo = _mm512_mul_ps(lo, _mm512_set1_ps(0x1p64f));
                hi = _mm512_mul_ps(hi, _mm512_set1_ps(0x1p64f));
            }
            __m512i qlo = _mm512_cvtps_epi32(_mm512_mul_ps(lo, inv)), qhi = _mm512_cvtps_epi32(_mm512_mul_ps(hi, inv));
            _mm_storeu_si128((__m128i *) (q + 32 * k), _mm512_cvtsepi32_epi8(qlo));
            _mm_storeu_si128((__m128i *) (q + 32 * k + 16), _mm512_cvtsepi32_epi8(qhi));
            d[k] = m / 127.0f + nonFinite;
            sum[k] = (float) _mm512_reduce_add_epi32(_mm512_add_epi32(qlo, qhi));
        }
    }
}

static inline __attribute__((always_inline)) void prefetch_span(const uint8_t *p, long bytes) {
    for (long i = 0; i < bytes; i += 64) _mm_prefetch((const char *) (p + i), _MM_HINT_T1);
}

/* Two Q8_0 blocks at blk (34 bytes each) times 64 activations: 8 int32 partial sums per block, weights flipped to w + 128. */
static inline __attribute__((always_inline)) __m512i q8_pair(const uint8_t *blk, const int8_t *q) {
    __m512i w = _mm512_inserti64x4(_mm512_castsi256_si512(_mm256_loadu_si256((const __m256i *) (blk + 2))),
                                   _mm256_loadu_si256((const __m256i *) (blk + 36)), 1);
    return _mm512_dpbusd_epi32(_mm512_setzero_si512(), _mm512_xor_si512(w, _mm512_set1_epi8((char) 0x80)), _mm512_loadu_si512(q));
}

/* Two Q4_0 blocks at blk (18 bytes each): [b0 b0 b1 b1] by broadcasts, the second copy of each shifted right by 4, & 0x0f
 * gives the nibbles in the activation's order (values 0-15 are the low nibbles, 16-31 the high). */
static inline __attribute__((always_inline)) __m512i q4_pair(const uint8_t *blk, const int8_t *q) {
    __m512i both = _mm512_mask_broadcast_i32x4(_mm512_broadcast_i32x4(_mm_loadu_si128((const __m128i *) (blk + 2))), 0xff00,
                                               _mm_loadu_si128((const __m128i *) (blk + 20)));
    __m512i nib = _mm512_and_si512(_mm512_srlv_epi64(both, _mm512_setr_epi64(0, 0, 4, 4, 0, 0, 4, 4)), _mm512_set1_epi8(0x0f));
    return _mm512_dpbusd_epi32(_mm512_setzero_si512(), nib, _mm512_loadu_si512(q));
}

/* The last block of an odd count, alone (256 bits): its 8 partial sums in the low lanes, zeros above. */
static inline __attribute__((always_inline)) __m512i single_block(const uint8_t *blk, const int8_t *q, int q4) {
    __m256i w;
    if (q4) {
        __m128i b = _mm_loadu_si128((const __m128i *) (blk + 2));
        w = _mm256_and_si256(_mm256_set_m128i(_mm_srli_epi16(b, 4), b), _mm256_set1_epi8(0x0f));
    } else {
        w = _mm256_xor_si256(_mm256_loadu_si256((const __m256i *) (blk + 2)), _mm256_set1_epi8((char) 0x80));
    }
    return _mm512_zextsi256_si512(_mm256_dpbusd_epi32(_mm256_setzero_si256(), w, _mm256_loadu_si256((const __m256i *) q)));
}

/*
 * One row's dot product with the quantized x. Per 16 blocks: one gather of the weights' fp16 scales, times the
 * activation's scales, gives s_k = d_w d_x for each block; the correction sum_k s_k * sum_q_k is one FMA. Per pair of
 * blocks the 16 int32 partial sums become fp32 and meet [s_k x 8, s_k+1 x 8] (a permute of s) in one FMA.
 */
static inline __attribute__((always_inline)) float dot_row(const uint8_t *row, const int8_t *q, const float *dx, const float *sumq,
                                                           long blocks, int blockBytes, int q4, __m512i offsets, int prefetch) {
    __m512 a0 = _mm512_setzero_ps(), a1 = a0, corr = a0;
    const __m512i pairIndex = _mm512_setr_epi32(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1);
    for (long k0 = 0; k0 < blocks; k0 += 16) {
        int n = blocks - k0 < 16 ? (int) (blocks - k0) : 16;
        __mmask16 live = (__mmask16) ((1u << n) - 1);
        const uint8_t *group = row + k0 * blockBytes;
        if (prefetch) prefetch_span(group + PREFETCH_BYTES, (long) n * blockBytes);
        __m512i raw = _mm512_mask_i32gather_epi32(_mm512_setzero_si512(), live, offsets, group, 1);
        __m512 s = _mm512_mul_ps(_mm512_cvtph_ps(_mm512_cvtepi32_epi16(raw)), _mm512_maskz_loadu_ps(live, dx + k0));
        corr = _mm512_fmadd_ps(s, _mm512_maskz_loadu_ps(live, sumq + k0), corr);
        const int8_t *qg = q + k0 * 32;
        int k = 0;
        for (; k + 4 <= n; k += 4) {
            __m512i d0 = q4 ? q4_pair(group + k * blockBytes, qg + k * 32) : q8_pair(group + k * blockBytes, qg + k * 32);
            __m512i d1 = q4 ? q4_pair(group + (k + 2) * blockBytes, qg + k * 32 + 64) : q8_pair(group + (k + 2) * blockBytes, qg + k * 32 + 64);
            __m512i i0 = _mm512_add_epi32(pairIndex, _mm512_set1_epi32(k));
            a0 = _mm512_fmadd_ps(_mm512_cvtepi32_ps(d0), _mm512_permutexvar_ps(i0, s), a0);
            a1 = _mm512_fmadd_ps(_mm512_cvtepi32_ps(d1), _mm512_permutexvar_ps(_mm512_add_epi32(i0, _mm512_set1_epi32(2)), s), a1);
        }
        for (; k + 2 <= n; k += 2) {
            __m512i d0 = q4 ? q4_pair(group + k * blockBytes, qg + k * 32) : q8_pair(group + k * blockBytes, qg + k * 32);
            a0 = _mm512_fmadd_ps(_mm512_cvtepi32_ps(d0), _mm512_permutexvar_ps(_mm512_add_epi32(pairIndex, _mm512_set1_epi32(k)), s), a0);
        }
        if (k < n) {
            __m512i d0 = single_block(group + k * blockBytes, qg + k * 32, q4);
            a1 = _mm512_fmadd_ps(_mm512_cvtepi32_ps(d0), _mm512_permutexvar_ps(_mm512_set1_epi32(k), s), a1);
        }
    }
    return _mm512_reduce_add_ps(_mm512_add_ps(a0, a1)) - (q4 ? 8.0f : 128.0f) * _mm512_reduce_add_ps(corr);
}

static inline __attribute__((always_inline)) void gemv_x8(const uint8_t *xq, int32_t batch, int32_t in, const uint8_t *w, int32_t out,
                                                          int32_t from, int32_t to, float *y, int blockBytes, int q4) {
    const long blocks = in / 32, rowBytes = blocks * blockBytes, xBytes = x8_bytes(in);
    const __m512i offsets = _mm512_mullo_epi32(_mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15), _mm512_set1_epi32(blockBytes));
    for (int o = from; o < to; o++) {
        const uint8_t *row = w + (long) o * rowBytes;
        for (int b = 0; b < batch; b++) {
            const int8_t *q = (const int8_t *) (xq + b * xBytes);
            const float *d = (const float *) (q + in);
            y[(long) b * out + o] = dot_row(row, q, d, d + blocks, blocks, blockBytes, q4, offsets, b == 0);
        }
    }
}

/* y[b][o] = sum over blocks of the dot product of w's row o and xq's row b, for rows o in [from, to); y is [batch][out]. */
void kiln_gemv_q8_0_x8(const uint8_t *xq, int32_t batch, int32_t in, const uint8_t *w, int32_t out, int32_t from, int32_t to, float *y) {
    gemv_x8(xq, batch, in, w, out, from, to, y, 34, 0);
}

void kiln_gemv_q4_0_x8(const uint8_t *xq, int32_t batch, int32_t in, const uint8_t *w, int32_t out, int32_t from, int32_t to, float *y) {
    gemv_x8(xq, batch, in, w, out, from, to, y, 18, 1);
}

#pragma GCC pop_options
