/*
 * The device's memory-bandwidth ceilings, written once for OpenCL and CUDA (kernels/cuda/bandwidth.cu
 * includes this file); the host side is dev.kiln.basics.BandwidthKernels.
 *
 * GPU shape: 16-byte vectors in a grid-stride loop, neighbouring items on neighbouring vectors
 * (coalesced), a few groups per compute unit to keep loads in flight without a tail.
 *
 * CPU shape (KILN_CPU_DEVICE, e.g. PoCL): one item per group, each streaming its own contiguous chunk in
 * 64-byte vectors (one AVX-512 register, one cache line), which the hardware prefetcher follows. PoCL runs
 * a group's items one after another and does not vectorise across them when they loop, so the GPU shape
 * runs there as one 16-byte load at a time. The copy stores with non-temporal hints (no read of the
 * destination line before it is overwritten), as memcpy does for large copies; the read sums into four
 * independent accumulators so the adds stay off the critical path. Measured on PoCL, a software prefetch
 * in the read made it slower, so there is none.
 */
#include "kiln_portable.h"

#if defined(KILN_CPU_DEVICE)

/* [first, end) of item global_id(0) over n16 64-byte vectors. */
inline void bw_chunk(long n16, long* first, long* end) {
    long items = (long) global_size(0);
    long per = (n16 + items - 1) / items;
    *first = min((long) global_id(0) * per, n16);
    *end = min(*first + per, n16);
}

/* dst[i] = src[i] for i < n4 (16-byte vectors). Bytes moved: 2 * 16 * n4 (read + write). */
KERNEL void copy_vec4(long n4, GLOBAL const float4* RESTRICT src, GLOBAL float4* RESTRICT dst) {
    long first, end;
    bw_chunk(n4 / 4, &first, &end);
    GLOBAL const float16* s16 = (GLOBAL const float16*) src;
    GLOBAL float16* d16 = (GLOBAL float16*) dst;
    for (long i = first; i < end; i++) __builtin_nontemporal_store(s16[i], d16 + i);
    if (global_id(0) == 0) { /* the last n4 % 4 vectors */
        for (long i = n4 / 4 * 4; i < n4; i++) dst[i] = src[i];
    }
}

/*
 * Reads every vector of src once (16 * n4 bytes) and writes nothing unless the sum of an item's
 * elements equals the sentinel, which the compiler cannot rule out, so the loads stay.
 */
KERNEL void read_vec4(long n4, GLOBAL const float4* RESTRICT src, GLOBAL float* RESTRICT sink, float sentinel) {
    long first, end;
    bw_chunk(n4 / 4, &first, &end);
    GLOBAL const float16* s16 = (GLOBAL const float16*) src;
    float16 a0 = 0.0f, a1 = 0.0f, a2 = 0.0f, a3 = 0.0f;
    long i = first;
    for (; i + 4 <= end; i += 4) { a0 += s16[i]; a1 += s16[i + 1]; a2 += s16[i + 2]; a3 += s16[i + 3]; }
    for (; i < end; i++) a0 += s16[i];
    if (global_id(0) == 0) { /* the last n4 % 4 vectors */
        for (long k = n4 / 4 * 4; k < n4; k++) a0.s0123 += src[k];
    }
    float16 a = (a0 + a1) + (a2 + a3);
    float8 b = a.lo + a.hi;
    float4 c = b.lo + b.hi;
    float s = (c.x + c.y) + (c.z + c.w);
    if (s == sentinel) sink[0] = s;
}

#else

/* dst[i] = src[i] for i < n4 (16-byte vectors). Bytes moved: 2 * 16 * n4 (read + write). */
KERNEL void copy_vec4(long n4, GLOBAL const float4* RESTRICT src, GLOBAL float4* RESTRICT dst) {
    size_t items = global_size(0);
    for (size_t i = global_id(0); i < (size_t) n4; i += items) dst[i] = src[i];
}

/*
 * Reads every vector of src once (16 * n4 bytes) and writes nothing unless the sum of an item's
 * elements equals the sentinel, which the compiler cannot rule out, so the loads stay. Four independent
 * accumulators keep the adds off the critical path.
 */
KERNEL void read_vec4(long n4, GLOBAL const float4* RESTRICT src, GLOBAL float* RESTRICT sink, float sentinel) {
    size_t items = global_size(0);
    float a0 = 0.0f, a1 = 0.0f, a2 = 0.0f, a3 = 0.0f;
    for (size_t i = global_id(0); i < (size_t) n4; i += items) {
        float4 v = src[i];
        a0 += v.x; a1 += v.y; a2 += v.z; a3 += v.w;
    }
    float s = (a0 + a1) + (a2 + a3);
    if (s == sentinel) sink[0] = s;
}

#endif
