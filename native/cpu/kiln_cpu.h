/*
 * What the kernels of libkiln_cpu share: status codes and the prefetch they are built around. Include it after
 * `#pragma GCC target("avx512f,avx512bw,avx512vl,fma")`, so that the helpers carry the kernels' target.
 */
#ifndef KILN_CPU_H
#define KILN_CPU_H

#include <immintrin.h>
#include <stdint.h>

#define KILN_CPU_OK 0
#define KILN_CPU_BAD_ARGUMENT (-1)
#define KILN_CPU_NO_MEMORY (-2)

/*
 * Prefetches into L2 the four lines from p (fp32 rows of 64 values) or the first two (bf16). Always inlined: as a
 * function of its own GCC finds it free of side effects (a prefetch has none it can see) and deletes every call.
 */
static inline __attribute__((always_inline)) void prefetch_row(const void *p, int bf16) {
    const char *c = (const char *) p;
    _mm_prefetch(c, _MM_HINT_T1);
    _mm_prefetch(c + 64, _MM_HINT_T1);
    if (!bf16) {
        _mm_prefetch(c + 128, _MM_HINT_T1);
        _mm_prefetch(c + 192, _MM_HINT_T1);
    }
}

#endif
