/*
 * The device's memory-bandwidth ceilings, written once for OpenCL and CUDA (kernels/cuda/bandwidth.cu
 * includes this file); the host side is dev.kiln.basics.BandwidthKernels. Both stream 16-byte vectors.
 * On a GPU (chunked == 0): a grid-stride loop, neighbouring items on neighbouring vectors (coalesced),
 * a few groups per compute unit to keep loads in flight without a tail. On a CPU device (PoCL, which
 * runs a group's items one after another and does not vectorise across them when they loop) each item
 * streams its own contiguous chunk instead, which the hardware prefetcher follows.
 */
#include "kiln_portable.h"

DEVICE_FN size_t bw_first(long n4, int chunked) {
    size_t items = global_size(0);
    return chunked ? global_id(0) * (((size_t) n4 + items - 1) / items) : global_id(0);
}

/* dst[i] = src[i] for i < n4 (16-byte vectors). Bytes moved: 2 * 16 * n4 (read + write). */
KERNEL void copy_vec4(long n4, GLOBAL const float4* RESTRICT src, GLOBAL float4* RESTRICT dst, int chunked) {
    size_t items = global_size(0), per = ((size_t) n4 + items - 1) / items;
    size_t step = chunked ? 1 : items, first = bw_first(n4, chunked);
    size_t end = chunked ? min(first + per, (size_t) n4) : (size_t) n4;
    for (size_t i = first; i < end; i += step) dst[i] = src[i];
}

/*
 * Reads every vector of src once (16 * n4 bytes) and writes nothing unless the sum of an item's
 * elements equals the sentinel, which the compiler cannot rule out, so the loads stay. Four independent
 * accumulators keep the adds off the critical path.
 */
KERNEL void read_vec4(long n4, GLOBAL const float4* RESTRICT src, GLOBAL float* RESTRICT sink, float sentinel, int chunked) {
    size_t items = global_size(0), per = ((size_t) n4 + items - 1) / items;
    size_t step = chunked ? 1 : items, first = bw_first(n4, chunked);
    size_t end = chunked ? min(first + per, (size_t) n4) : (size_t) n4;
    float a0 = 0.0f, a1 = 0.0f, a2 = 0.0f, a3 = 0.0f;
    for (size_t i = first; i < end; i += step) {
        float4 v = src[i];
        a0 += v.x; a1 += v.y; a2 += v.z; a3 += v.w;
    }
    float s = (a0 + a1) + (a2 + a3);
    if (s == sentinel) sink[0] = s;
}
