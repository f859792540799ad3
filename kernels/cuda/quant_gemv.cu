// CUDA build of the portable quantized GEMV: the OpenCL source compiled as CUDA C++ through kiln_portable.h.
#include "../opencl/quant_gemv.cl"
