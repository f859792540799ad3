// mm2im_top: the accelerator behind AXI-Stream in/out (driven by an AXI DMA) and AXI-Lite control.
#include "mm2im_core.h"

#ifndef __SYNTHESIS__
namespace mm2im {
unsigned long long g_phase_cycles[5];
}
#endif

using namespace mm2im;

unsigned mm2im_top(unsigned opcode, hls::stream<axis_word>& in, hls::stream<axis_word>& out) {
#pragma HLS INTERFACE mode = axis port = in
#pragma HLS INTERFACE mode = axis port = out
#pragma HLS INTERFACE mode = s_axilite port = opcode bundle = control
#pragma HLS INTERFACE mode = s_axilite port = return bundle = control

    // On-chip state, kept between invocations.
    static Config cfg;
    static bool cfg_valid = false;
    static bool wgt_valid = false;
    static i8_t wgt[PE][MM2IM_WGT_DEPTH][UF];
#pragma HLS ARRAY_PARTITION variable = wgt dim = 1 complete
#pragma HLS ARRAY_PARTITION variable = wgt dim = 3 complete
    static acc_t rowterm[PE][MM2IM_MAX_K * MM2IM_MAX_K];
#pragma HLS ARRAY_PARTITION variable = rowterm dim = 1 complete
    static acc_t bias[PE];
    static acc_t mult[PE];
    static ap_int<8> shift[PE];
#pragma HLS ARRAY_PARTITION variable = bias complete
#pragma HLS ARRAY_PARTITION variable = mult complete
#pragma HLS ARRAY_PARTITION variable = shift complete
    static acc_t acc[PE][MM2IM_ACC_SIZE];
#pragma HLS ARRAY_PARTITION variable = acc dim = 1 complete
    static i8_t inp[MM2IM_INP_BUF_WORDS][UF];
#pragma HLS ARRAY_PARTITION variable = inp dim = 2 complete
    static int inp_first = 0;
    static int inp_count = 0;

    Cursor ic = {0, 0, 0}, oc = {0, 0, 0};
    return mm2im_core(opcode, in, ic, out, oc, cfg, cfg_valid, wgt_valid, wgt, rowterm, bias, mult, shift, acc, inp,
                      inp_first, inp_count);
}

#ifndef __SYNTHESIS__
unsigned long long mm2im_counted_cycles() {
    unsigned long long total = MM2IM_CYC_CONTROL;
    for (int i = 0; i < 5; i++) total += g_phase_cycles[i];
    return total;
}

void mm2im_counted_phase_cycles(unsigned long long phases[5]) {
    for (int i = 0; i < 5; i++) phases[i] = g_phase_cycles[i];
}
#endif
