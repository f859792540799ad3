/*
 * kiln_portable.h: one kernel source, two compilers.
 *
 * A kernel written with these macros compiles as OpenCL C (clBuildProgram; Kiln inlines this header)
 * and as CUDA C++ (nvcc --ptx, with -I kernels/include). Write
 *
 *   KERNEL void f(int n, GLOBAL const float* x, LOCAL_ARG(float, scratch_arg)) {
 *       LOCAL_BIND(float, scratch, scratch_arg);   // work-group scratch from Kernel.LocalMemory
 *       size_t i = global_id(0);
 *       ...
 *       LOCAL_BARRIER();
 *   }
 *
 * Index helpers return size_t in both languages, as OpenCL's get_*_id do. Scalar types: use OpenCL's
 * names (char is signed 8-bit on both, uchar, uint, ...); CUDA gets typedefs for the unsigned ones.
 * Math: fma, exp, sqrt, fmin/fmax and min/max have the same names in both; RSQRT and ATOMIC_ADD_INT
 * (int atomics on global or local memory) are spelled once here.
 *
 * Work-group scratch passed at launch (Kernel.LocalMemory) is an OpenCL __local pointer argument
 * (clSetKernelArg(size, NULL)). CUDA has no such argument: the launch passes a null pointer in that
 * slot and the bytes as dynamic shared memory, and LOCAL_BIND points at the dynamic shared block.
 * Every extern __shared__ array starts at the same address, so a CUDA kernel may take AT MOST ONE
 * LOCAL_ARG; split one block by hand when a kernel needs two.
 *
 * KILN_CPU_DEVICE is defined (to 1) when the OpenCL backend builds for a CPU device (CL_DEVICE_TYPE_CPU,
 * e.g. PoCL; DeviceInfo.cpuShapedKernels() on the host). A kernel may then compile a CPU-shaped body: PoCL
 * runs a work-group's items one after another in a loop and vectorises across them only in simple loops,
 * so the GPU's lanes-stride-a-row shape runs as scalar code there, while one item per task with explicit
 * OpenCL vectors (float16, vload16) maps straight onto AVX-512. The host launches such a kernel with the
 * work sizes of the shape it was built in. CUDA builds never define it.
 */
#ifndef KILN_PORTABLE_H
#define KILN_PORTABLE_H

#if defined(__OPENCL_VERSION__)

#define KILN_OPENCL 1
#define KERNEL __kernel
#define GLOBAL __global
#define LOCAL __local
#define DEVICE_FN inline
#define RESTRICT restrict
#define LOCAL_ARG(type, name) __local type* name
#define LOCAL_BIND(type, name, arg) __local type* name = (arg)
#define global_id(d) get_global_id(d)
#define local_id(d) get_local_id(d)
#define group_id(d) get_group_id(d)
#define local_size(d) get_local_size(d)
#define global_size(d) get_global_size(d)
#define num_groups(d) get_num_groups(d)
#define LOCAL_BARRIER() barrier(CLK_LOCAL_MEM_FENCE)
#define GLOBAL_BARRIER() barrier(CLK_GLOBAL_MEM_FENCE | CLK_LOCAL_MEM_FENCE)
#define ATOMIC_ADD_INT(p, v) atomic_add((p), (v))
#define RSQRT(x) rsqrt(x)

#elif defined(__CUDACC__)

#include <stddef.h>
#define KILN_CUDA 1
#define KERNEL extern "C" __global__
#define GLOBAL
#define LOCAL __shared__
#define DEVICE_FN __device__ inline
#define RESTRICT __restrict__
#define LOCAL_ARG(type, name) type* name
#define LOCAL_BIND(type, name, arg) \
    extern __shared__ __align__(16) unsigned char kiln_dynamic_shared_##name[]; \
    type* name = reinterpret_cast<type*>(kiln_dynamic_shared_##name); (void)(arg)

__device__ inline size_t kiln_pick(unsigned x, unsigned y, unsigned z, int d) {
    return d == 0 ? x : (d == 1 ? y : z);
}
#define local_id(d) kiln_pick(threadIdx.x, threadIdx.y, threadIdx.z, (d))
#define group_id(d) kiln_pick(blockIdx.x, blockIdx.y, blockIdx.z, (d))
#define local_size(d) kiln_pick(blockDim.x, blockDim.y, blockDim.z, (d))
#define num_groups(d) kiln_pick(gridDim.x, gridDim.y, gridDim.z, (d))
#define global_id(d) (group_id(d) * local_size(d) + local_id(d))
#define global_size(d) (num_groups(d) * local_size(d))
#define LOCAL_BARRIER() __syncthreads()
#define GLOBAL_BARRIER() __syncthreads()
#define ATOMIC_ADD_INT(p, v) atomicAdd((p), (v))
#define RSQRT(x) rsqrtf(x)

/* OpenCL C's unsigned type names, so int8/uint8 kernels read the same in both languages. */
typedef unsigned char uchar;
typedef unsigned short ushort;
typedef unsigned int uint;
typedef unsigned long ulong;

#else
#error "kiln_portable.h: compile as OpenCL C or with nvcc"
#endif

#endif /* KILN_PORTABLE_H */
