/* libkiln_cpu: GEMV over ggml's block-quantized weights, Q8_0 and Q4_0 (dev.kiln.inference.quant.QuantizedGemv). */
#pragma GCC push_options
#pragma GCC target("avx512f,avx512bw,avx512vl,fma,f16c")
#include "kiln_cpu.h"
#include <stddef.h>

/*
 * y[b][o] = sum_i x[b][i] * w[o][i] for rows o in [from, to) of w ([out][in] in blocks of 32 along a row; y is [batch][out]).
 * A Q8_0 block is an fp16 scale d and 32 int8 (34 bytes), a Q4_0 block d and 16 bytes of nibbles, low nibbles first (18 bytes);
 * value j is d * q_j (Q4_0: d * (q_j - 8)). At decode every weight byte is read once per step, so the time is the weight
 * stream's: rows are read in order and each block's load prefetches the same offset of the next row into L2, as the fp32
 * GEMV does. A block's 32 values are widened to two fp32 vectors, multiplied with x in fp32 (the activation is not
 * quantized), and the block's sum is scaled by d into a vector accumulator, reduced once per row. Not bit-identical to the
 * Java kernel (other summation order); both are held to an fp64 reference.
 */
static inline __attribute__((always_inline)) float half_to_float(const uint8_t *p) {
    uint16_t h = (uint16_t) (p[0] | (p[1] << 8));
    return _cvtsh_ss(h);
}

void kiln_gemv_q8_0(const float *x, int32_t batch, int32_t in, const uint8_t *w, int32_t out, int32_t from, int32_t to, float *y) {
    const long blocks = in / 32, rowBytes = blocks * 34;
    for (int o = from; o < to; o++) {
        const uint8_t *row = w + (long) o * rowBytes;
        const uint8_t *next = o + 1 < to ? row + rowBytes : NULL;
        for (int b = 0; b < batch; b++) {
            const float *xb = x + (long) b * in;
            __m512 acc0 = _mm512_setzero_ps(), acc1 = acc0;
            for (long k = 0; k < blocks; k++) {
                const uint8_t *blk = row + k * 34;
                if (next && b == 0) _mm_prefetch((const char *) (next + k * 34), _MM_HINT_T1);
                __m512 q0 = _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(_mm_loadu_si128((const __m128i *) (blk + 2))));
                __m512 q1 = _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(_mm_loadu_si128((const __m128i *) (blk + 18))));
                __m512 p = _mm512_fmadd_ps(q1, _mm512_loadu_ps(xb + k * 32 + 16), _mm512_mul_ps(q0, _mm512_loadu_ps(xb + k * 32)));
                __m512 d = _mm512_set1_ps(half_to_float(blk));
                if (k & 1) acc1 = _mm512_fmadd_ps(d, p, acc1);
                else acc0 = _mm512_fmadd_ps(d, p, acc0);
            }
            y[(long) b * out + o] = _mm512_reduce_add_ps(_mm512_add_ps(acc0, acc1));
        }
    }
}

void kiln_gemv_q4_0(const float *x, int32_t batch, int32_t in, const uint8_t *w, int32_t out, int32_t from, int32_t to, float *y) {
    const long blocks = in / 32, rowBytes = blocks * 18;
    const __m128i low = _mm_set1_epi8(0x0f);
    const __m512 eight = _mm512_set1_ps(8.0f);
    for (int o = from; o < to; o++) {
        const uint8_t *row = w + (long) o * rowBytes;
        const uint8_t *next = o + 1 < to ? row + rowBytes : NULL;
        for (int b = 0; b < batch; b++) {
            const float *xb = x + (long) b * in;
            __m512 acc0 = _mm512_setzero_ps(), acc1 = acc0;
            for (long k = 0; k < blocks; k++) {
                const uint8_t *blk = row + k * 18;
                if (next && b == 0 && (k & 3) == 0) _mm_prefetch((const char *) (next + k * 18), _MM_HINT_T1);
                if (next && b == 0 && (k & 3) == 2) _mm_prefetch((const char *) (next + k * 18 + 32), _MM_HINT_T1);
                __m128i packed = _mm_loadu_si128((const __m128i *) (blk + 2));
                __m128i lo = _mm_and_si128(packed, low), hi = _mm_and_si128(_mm_srli_epi16(packed, 4), low);
                __m512 q0 = _mm512_sub_ps(_mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(lo)), eight);
                __m512 q1 = _mm512_sub_ps(_mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(hi)), eight);
                __m512 p = _mm512_fmadd_ps(q1, _mm512_loadu_ps(xb + k * 32 + 16), _mm512_mul_ps(q0, _mm512_loadu_ps(xb + k * 32)));
                __m512 d = _mm512_set1_ps(half_to_float(blk));
                if (k & 1) acc1 = _mm512_fmadd_ps(d, p, acc1);
                else acc0 = _mm512_fmadd_ps(d, p, acc0);
            }
            y[(long) b * out + o] = _mm512_reduce_add_ps(_mm512_add_ps(acc0, acc1));
        }
    }
}

#pragma GCC pop_options
