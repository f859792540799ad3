// CUDA build of the Flash-Decoding-style attention: the OpenCL source compiled as CUDA C++ through kiln_portable.h.
#include "../opencl/flash_decode.cl"
