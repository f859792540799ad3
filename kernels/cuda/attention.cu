// CUDA build of the portable attention kernels: the OpenCL source compiled as CUDA C++ through kiln_portable.h.
#include "../opencl/attention.cl"
