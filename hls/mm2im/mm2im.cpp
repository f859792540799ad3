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
    static i8_t inp[2 * MM2IM_INP_BUF_WORDS][UF];  // two halves: one loading, one computing
#pragma HLS ARRAY_PARTITION variable = inp dim = 2 complete
#pragma HLS BIND_STORAGE variable = inp type = ram_t2p impl = bram
    static int ready_bank = -1;
    static int ready_first = 0;
    static int ready_count = 0;

    Cursor ic = {0, 0, 0}, oc = {0, 0, 0};
    return mm2im_core(opcode, in, ic, out, oc, cfg, cfg_valid, wgt_valid, wgt, rowterm, bias, mult, shift, acc, inp,
                      ready_bank, ready_first, ready_count);
}

#ifndef __SYNTHESIS__
// LOAD_INP and SCHEDULE overlap (one merged loop over the two input halves): the longer of the two counts.
unsigned long long mm2im_counted_cycles() {
    const unsigned long long* p = g_phase_cycles;
    return MM2IM_CYC_CONTROL + p[0] + p[1] + (p[2] > p[3] ? p[2] : p[3]) + p[4];
}

void mm2im_counted_phase_cycles(unsigned long long phases[5]) {
    for (int i = 0; i < 5; i++) phases[i] = g_phase_cycles[i];
}
#endif
