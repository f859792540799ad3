/*
 * The first kernels, written once for OpenCL and CUDA (kernels/cuda/basics.cu includes this file).
 * Same arguments and results as dev.kiln.basics.BasicCpuKernels.
 */
#include "kiln_portable.h"

/* y[i] = a * x[i] + y[i] for i < n; the range may be rounded up past n. */
KERNEL void saxpy(int n, float a, GLOBAL const float* RESTRICT x, GLOBAL float* RESTRICT y) {
    size_t i = global_id(0);
    if (i < (size_t) n) y[i] = fma(a, x[i], y[i]);
}

/*
 * partial[g] = the sum of x[i] over i = g*L + t + k*G (t < L, k >= 0, i < n), with L the work-group
 * size and G the global size: each group owns L consecutive elements of every G-wide stride. Each
 * item sums its strided elements, then the group folds its L sums in scratch (any L, not only powers
 * of two). The host adds the partials.
 */
KERNEL void block_sum(int n, GLOBAL const float* RESTRICT x, GLOBAL float* RESTRICT partial, LOCAL_ARG(float, scratch_arg)) {
    LOCAL_BIND(float, scratch, scratch_arg);
    size_t lid = local_id(0);
    size_t stride = global_size(0);
    float sum = 0.0f;
    for (size_t i = global_id(0); i < (size_t) n; i += stride) sum += x[i];
    scratch[lid] = sum;
    LOCAL_BARRIER();
    for (size_t live = local_size(0); live > 1; ) {
        size_t upper = (live + 1) / 2;
        if (lid < live - upper) scratch[lid] += scratch[lid + upper];
        LOCAL_BARRIER();
        live = upper;
    }
    if (lid == 0) partial[group_id(0)] = scratch[0];
}
