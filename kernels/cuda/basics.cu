// CUDA build of the portable basics kernels: the OpenCL source compiled as CUDA C++ through kiln_portable.h.
#include "../opencl/basics.cl"
