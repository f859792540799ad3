/* libkiln_cpu: the read ceiling of `kiln helix bench` (attention.MemoryBandwidth). */
#pragma GCC push_options
#pragma GCC target("avx512f,avx512bw,avx512vl,fma")
#include "kiln_cpu.h"

/*
 * The read ceiling the attention is judged against, as good as the attention's own reads: the sum of n floats at p
 * (n a multiple of 128) with eight accumulators, prefetching 4 KiB ahead into L2 as the attention prefetches its next
 * tile (the same sum without the prefetch reads 5-10 % slower on the Intel VM of docs/attention.md).
 */
double kiln_read_sum_f32(const float *p, int64_t n) {
    __m512 s0 = _mm512_setzero_ps(), s1 = s0, s2 = s0, s3 = s0, s4 = s0, s5 = s0, s6 = s0, s7 = s0;
    for (int64_t i = 0; i + 128 <= n; i += 128) {
        prefetch_row(p + i + 1024, 0);
        prefetch_row(p + i + 1024 + 64, 0);
        s0 = _mm512_add_ps(s0, _mm512_loadu_ps(p + i));
        s1 = _mm512_add_ps(s1, _mm512_loadu_ps(p + i + 16));
        s2 = _mm512_add_ps(s2, _mm512_loadu_ps(p + i + 32));
        s3 = _mm512_add_ps(s3, _mm512_loadu_ps(p + i + 48));
        s4 = _mm512_add_ps(s4, _mm512_loadu_ps(p + i + 64));
        s5 = _mm512_add_ps(s5, _mm512_loadu_ps(p + i + 80));
        s6 = _mm512_add_ps(s6, _mm512_loadu_ps(p + i + 96));
        s7 = _mm512_add_ps(s7, _mm512_loadu_ps(p + i + 112));
    }
    __m512 t = _mm512_add_ps(_mm512_add_ps(_mm512_add_ps(s0, s1), _mm512_add_ps(s2, s3)),
                             _mm512_add_ps(_mm512_add_ps(s4, s5), _mm512_add_ps(s6, s7)));
    return _mm512_reduce_add_ps(t);
}

#pragma GCC pop_options
