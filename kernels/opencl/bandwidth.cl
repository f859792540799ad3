/*
 * The device's memory-bandwidth ceilings, written once for OpenCL and CUDA (kernels/cuda/bandwidth.cu
 * includes this file); the host side is dev.kiln.basics.BandwidthKernels. Both stream 16-byte vectors
 * with a grid-stride loop: neighbouring items touch neighbouring vectors (coalesced), and a grid of a few
 * groups per compute unit keeps enough loads in flight without a tail of idle groups.
 */
#include "kiln_portable.h"

/* dst[i] = src[i] for i < n4 (16-byte vectors). Bytes moved: 2 * 16 * n4 (read + write). */
KERNEL void copy_vec4(long n4, GLOBAL const float4* RESTRICT src, GLOBAL float4* RESTRICT dst) {
    size_t stride = global_size(0);
    for (size_t i = global_id(0); i < (size_t) n4; i += stride) dst[i] = src[i];
}

/*
 * Reads every vector of src once (16 * n4 bytes) and writes nothing unless the sum of an item's
 * elements equals the sentinel, which the compiler cannot rule out, so the loads stay. Four independent
 * accumulators keep the adds off the critical path.
 */
KERNEL void read_vec4(long n4, GLOBAL const float4* RESTRICT src, GLOBAL float* RESTRICT sink, float sentinel) {
    size_t stride = global_size(0);
    float a0 = 0.0f, a1 = 0.0f, a2 = 0.0f, a3 = 0.0f;
    for (size_t i = global_id(0); i < (size_t) n4; i += stride) {
        float4 v = src[i];
        a0 += v.x; a1 += v.y; a2 += v.z; a3 += v.w;
    }
    float s = (a0 + a1) + (a2 + a3);
    if (s == sentinel) sink[0] = s;
}
