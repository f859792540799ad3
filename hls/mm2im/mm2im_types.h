// Types of the MM2IM accelerator. With Vitis HLS the Xilinx headers are used; without them (plain g++
// C simulation, as in Kiln's build) the minimal stand-in in hls/include/ provides the same names.
#ifndef MM2IM_TYPES_H
#define MM2IM_TYPES_H

#include "mm2im_config.h"

#if !defined(KILN_HLS_STANDIN) && defined(__has_include)
#if __has_include(<ap_int.h>) && __has_include(<hls_stream.h>) && __has_include(<ap_axi_sdata.h>)
#include <ap_axi_sdata.h>
#include <ap_int.h>
#include <hls_stream.h>
#define MM2IM_XILINX_HEADERS 1
#endif
#endif
#ifndef MM2IM_XILINX_HEADERS
#include "kiln_hls_standin.h"
#endif

typedef ap_axiu<32, 0, 0, 0> axis_word;  // one AXI-Stream beat: 32-bit data, keep, strb, last
typedef ap_int<8> i8_t;                  // activations and weights
typedef ap_int<32> acc_t;                // accumulators, bias, row-sum terms, multipliers

// One entry of the compute map, decoder -> PE: an output pixel (out_index = oy*Ow + ox) that a kernel
// tap of the current input pixel lands on. Only valid taps (inside the cropped output) are emitted.
struct TapJob {
    ap_uint<32> out_index;
    ap_uint<8> tap;    // kh*Kw + kw, < MAX_K*MAX_K
    ap_uint<12> base;  // word offset of the pixel in its half of the input buffer
    ap_uint<1> end;    // marks the end of a SCHEDULE
#ifndef __SYNTHESIS__
    unsigned long long t_emit;  // C-simulation instrumentation only: decoder cycle that emitted it
#endif
};

#endif  // MM2IM_TYPES_H
