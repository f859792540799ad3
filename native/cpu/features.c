/* libkiln_cpu's one function for any x86-64: whether the kernels' instructions exist here. */
/* Compiled for any x86-64: the caller asks this before it calls any kernel (AVX-512 F; BW for the masked bf16 loads,
 * VL for their 256-bit form). */
int kiln_cpu_has_avx512(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl") ? 1 : 0;
}

/* AVX-512 VNNI (vpdpbusd), which the int8-activation GEMVs of gemv_quant_x8.c need on top of the above. */
int kiln_cpu_has_avx512_vnni(void) {
    __builtin_cpu_init();
    return kiln_cpu_has_avx512() && __builtin_cpu_supports("avx512vnni") ? 1 : 0;
}
