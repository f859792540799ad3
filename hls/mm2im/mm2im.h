// MM2IM transposed-convolution accelerator (Haris & Cano, arXiv 2507.07683), as Vitis HLS C++.
#ifndef MM2IM_H
#define MM2IM_H

#include "mm2im_types.h"

// The top function: one invocation per AXI-Lite start. `opcode` selects the phases (MM2IM_OP_* bits),
// which read their payloads from `in` and write stored rows to `out`. Returns the status word
// (MM2IM_OK or MM2IM_ERR_* bits). Config, weights, input buffer and accumulators persist on chip
// between invocations.
unsigned mm2im_top(unsigned opcode, hls::stream<axis_word>& in, hls::stream<axis_word>& out);

// The same accelerator as an XRT kernel over memory-mapped buffers (mm2im_xrt.cpp).
extern "C" void mm2im_xrt(unsigned opcode, const unsigned* in, unsigned in_words, unsigned* out, unsigned out_capacity,
                          unsigned* result);

#ifndef __SYNTHESIS__
// C-simulation instrumentation: cycles counted for the last invocation from the loop trip counts,
// initiation intervals and pipeline depths of the code that actually ran (see mm2im.cpp).
unsigned long long mm2im_counted_cycles();
// Counted cycles by phase for the last invocation: config, weights, input, schedule, store.
void mm2im_counted_phase_cycles(unsigned long long phases[5]);
#endif

#endif  // MM2IM_H
