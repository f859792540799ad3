// mm2im_xrt: the MM2IM accelerator as an XRT kernel (Vitis flow, `v++ -c` to an .xo, linked into an xclbin).
// The same core as mm2im_top; the host's buffer objects take the DMA's place: one run reads `in_words`
// words from `in`, writes at most `out_capacity` words to `out`, and reports in `result`:
//   result[0] status word (MM2IM_OK or MM2IM_ERR_* bits)
//   result[1] words the accelerator produced (more than out_capacity means some were dropped)
//   result[2] words it read from `in` (fewer than in_words: the host sent words it did not expect)
//   result[3] reads past in_words (the host sent too few words; they read as 0 instead of hanging)
// Kiln's fpga-xrt backend (dev.kiln.device.fpga.XrtPort) calls it through xrtKernelRun.
#include "mm2im_core.h"

using namespace mm2im;

extern "C" void mm2im_xrt(unsigned opcode, const unsigned* in, unsigned in_words, unsigned* out, unsigned out_capacity,
                          unsigned* result) {
#pragma HLS INTERFACE mode = m_axi port = in offset = slave bundle = gmem0 depth = 65536 max_read_burst_length = 64
#pragma HLS INTERFACE mode = m_axi port = out offset = slave bundle = gmem1 depth = 65536 max_write_burst_length = 64
#pragma HLS INTERFACE mode = m_axi port = result offset = slave bundle = gmem1 depth = 4
#pragma HLS INTERFACE mode = s_axilite port = opcode
#pragma HLS INTERFACE mode = s_axilite port = in_words
#pragma HLS INTERFACE mode = s_axilite port = out_capacity
#pragma HLS INTERFACE mode = s_axilite port = return

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

    Cursor ic = {0, in_words, 0}, oc = {0, out_capacity, 0};
    const unsigned status = mm2im_core(opcode, in, ic, out, oc, cfg, cfg_valid, wgt_valid, wgt, rowterm, bias, mult, shift,
                                       acc, inp, ready_bank, ready_first, ready_count);
    result[0] = status;
    result[1] = oc.pos;
    result[2] = ic.pos;
    result[3] = ic.overrun;
}
