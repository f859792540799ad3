/* libkiln_cpu: the decoder's GEMV (attention.model.Ops.matmul). */
#pragma GCC push_options
#pragma GCC target("avx512f,avx512bw,avx512vl,fma")
#include "kiln_cpu.h"
#include <stddef.h>

/*
 * y[b][o] = sum_i x[b][i] * w[o][i] for rows o in [from, to) of w ([out][in], fp32; y is [batch][out]) and `batch` rows of x: the
 * decoder's projections and FFN at decode, where every weight byte is read once per step, so the time is the weight
 * stream's. Rows [from, to) are one contiguous stream, read in order and prefetched into L2 PREFETCH_BYTES ahead, one
 * prefetch per line, as the read ceiling (read_sum.c) prefetches: the hardware prefetchers stop at 4 KiB pages. (It used
 * to prefetch the next row, 8 or 32 KiB ahead, and left the first row of every call unprefetched.) Four batch rows share
 * each weight vector, two vectors per step keep eight FMA chains in flight. Not bit-identical to the Java matmul (its lane
 * sum has another order); both are held to an fp64 reference.
 */
#define PREFETCH_BYTES 4096

void kiln_gemv_f32(const float *x, int32_t batch, int32_t in, const float *w, int32_t out, int32_t from, int32_t to, float *y) {
    for (int o = from; o < to; o++) {
        const float *row = w + (long) o * in;
        for (int b0 = 0; b0 < batch; b0 += 4) {
            int nb = batch - b0 < 4 ? batch - b0 : 4;
            const float *x0 = x + (long) b0 * in, *x1 = nb > 1 ? x0 + in : x0, *x2 = nb > 2 ? x0 + 2L * in : x0, *x3 = nb > 3 ? x0 + 3L * in : x0;
            __m512 a0 = _mm512_setzero_ps(), a1 = a0, a2 = a0, a3 = a0, c0 = a0, c1 = a0, c2 = a0, c3 = a0;
            int i = 0;
            for (; i + 32 <= in; i += 32) {
                if (b0 == 0) {
                    _mm_prefetch((const char *) (row + i) + PREFETCH_BYTES, _MM_HINT_T1);
                    _mm_prefetch((const char *) (row + i + 16) + PREFETCH_BYTES, _MM_HINT_T1);
                }
                __m512 w0 = _mm512_loadu_ps(row + i), w1 = _mm512_loadu_ps(row + i + 16);
                a0 = _mm512_fmadd_ps(_mm512_loadu_ps(x0 + i), w0, a0); c0 = _mm512_fmadd_ps(_mm512_loadu_ps(x0 + i + 16), w1, c0);
                a1 = _mm512_fmadd_ps(_mm512_loadu_ps(x1 + i), w0, a1); c1 = _mm512_fmadd_ps(_mm512_loadu_ps(x1 + i + 16), w1, c1);
                a2 = _mm512_fmadd_ps(_mm512_loadu_ps(x2 + i), w0, a2); c2 = _mm512_fmadd_ps(_mm512_loadu_ps(x2 + i + 16), w1, c2);
                a3 = _mm512_fmadd_ps(_mm512_loadu_ps(x3 + i), w0, a3); c3 = _mm512_fmadd_ps(_mm512_loadu_ps(x3 + i + 16), w1, c3);
            }
            float s[4] = {_mm512_reduce_add_ps(_mm512_add_ps(a0, c0)), _mm512_reduce_add_ps(_mm512_add_ps(a1, c1)),
                          _mm512_reduce_add_ps(_mm512_add_ps(a2, c2)), _mm512_reduce_add_ps(_mm512_add_ps(a3, c3))};
            for (; i < in; i++) {
                s[0] += x0[i] * row[i];
                s[1] += x1[i] * row[i];
                s[2] += x2[i] * row[i];
                s[3] += x3[i] * row[i];
            }
            for (int b = 0; b < nb; b++) y[(long) (b0 + b) * out + o] = s[b];
        }
    }
}

#pragma GCC pop_options
