// CUDA build of the portable tconv kernels (kernels/opencl/tconv.cl), with one CUDA-only fast path:
// int8 dot products four channels at a time with __dp4a (sm_61+), in mm2im_i8 and mm2im_i8_tiled. Σ(x − zp)·w = Σ x·w − zp·Σ w, both
// sums exact in int32; unaligned or ragged channel counts fall back to bytes.
#include "kiln_portable.h"   // also gives CUDA OpenCL's uchar

__device__ inline int dot_i8_dp4a(const char* x, const char* w, int len, int zp) {
    int xw = 0, wsum = 0, c = 0;
    if ((((size_t) x | (size_t) w) & 3) == 0) {
        const int* x4 = reinterpret_cast<const int*>(x);
        const int* w4 = reinterpret_cast<const int*>(w);
        for (; c + 4 <= len; c += 4) {
            int wv = w4[c >> 2];
            xw = __dp4a(x4[c >> 2], wv, xw);
            wsum = __dp4a(0x01010101, wv, wsum);
        }
    }
    for (; c < len; c++) {
        xw += (int) x[c] * (int) w[c];
        wsum += (int) w[c];
    }
    return xw - zp * wsum;
}
#define KILN_DOT_I8 dot_i8_dp4a
#define KILN_DOT4_I8(a, b, acc) __dp4a((a), (b), (acc))   // mm2im_i8_tiled: four packed bytes per call

#include "../opencl/tconv.cl"
