// CUDA build of the bandwidth ceilings: the OpenCL source compiled as CUDA C++ through kiln_portable.h.
#include "../opencl/bandwidth.cl"
