// libkiln_mm2im_sim: the MM2IM accelerator's C simulation (hls/mm2im, the same sources Vitis
// synthesises) behind a small C ABI, so that Kiln's fpga-sim backend drives it from Java through FFM
// with exactly the words it would hand the AXI DMA: one call per accelerator invocation.
#include <cstdint>
#include <mutex>
#include <stdexcept>

#include "mm2im.h"

namespace {
std::mutex g_lock;
bool g_open = false;
}  // namespace

extern "C" {

// Codes returned by the functions below (the accelerator's own status word is separate).
enum {
    MM2IM_SIM_OK = 0,
    MM2IM_SIM_NOT_OPEN = -1,
    MM2IM_SIM_ALREADY_OPEN = -2,
    MM2IM_SIM_INPUT_LEFT_OVER = -3,   // the accelerator did not read every word it was given
    MM2IM_SIM_INPUT_UNDERRUN = -4,    // the accelerator read more words than it was given (hardware would hang)
    MM2IM_SIM_OUTPUT_OVERFLOW = -5,   // the accelerator wrote more words than the output buffer holds
    MM2IM_SIM_BAD_ARGUMENT = -6,
};

// The accelerator holds its state in static on-chip memories, so there is one per process.
// Opening invalidates any previous config (a rejected LOAD_CONFIG drops it), like a reset.
int32_t mm2im_sim_open(void) {
    std::lock_guard<std::mutex> guard(g_lock);
    if (g_open) return MM2IM_SIM_ALREADY_OPEN;
    hls::stream<axis_word> in, out;
    for (int i = 0; i < MM2IM_CFG_WORDS; i++) {
        axis_word beat;
        beat.data = 0u;
        beat.keep = 0xF;
        beat.strb = 0xF;
        beat.last = i == MM2IM_CFG_WORDS - 1;
        in.write(beat);
    }
    mm2im_top(MM2IM_OP_LOAD_CONFIG, in, out);  // all-zero config: rejected, state invalidated
    g_open = true;
    return MM2IM_SIM_OK;
}

int32_t mm2im_sim_close(void) {
    std::lock_guard<std::mutex> guard(g_lock);
    if (!g_open) return MM2IM_SIM_NOT_OPEN;
    g_open = false;
    return MM2IM_SIM_OK;
}

// The compile-time sizes the accelerator was built with, in this order:
// PE_COUNT, UF, MAX_K, MAX_IC, WGT_DEPTH, ACC_SIZE, INP_BUF_WORDS, MAX_DIM, MAX_STRIDE, TAP_FIFO_DEPTH,
// CYC_CONTROL, CYC_DECODER, CYC_PE, CYC_PPU. Returns how many were written (at most n).
int32_t mm2im_sim_limits(int32_t* out, int32_t n) {
    const int32_t v[] = {MM2IM_PE_COUNT,     MM2IM_UF,         MM2IM_MAX_K,          MM2IM_MAX_IC,
                         MM2IM_WGT_DEPTH,    MM2IM_ACC_SIZE,   MM2IM_INP_BUF_WORDS,  MM2IM_MAX_DIM,
                         MM2IM_MAX_STRIDE,   MM2IM_TAP_FIFO_DEPTH, MM2IM_CYC_CONTROL, MM2IM_CYC_DECODER,
                         MM2IM_CYC_PE,       MM2IM_CYC_PPU};
    const int32_t count = static_cast<int32_t>(sizeof v / sizeof v[0]);
    int32_t k = 0;
    for (; k < count && k < n; k++) out[k] = v[k];
    return k;
}

// One invocation: `opcode` to the AXI-Lite register, `in_words` words on the input stream, the output
// stream drained into `out` (capacity `out_capacity`, count in *out_words). *status receives the
// accelerator's status word, *cycles the counted cycles of the invocation.
int32_t mm2im_sim_exec(uint32_t opcode, const uint32_t* in, int64_t in_words, uint32_t* out, int64_t out_capacity,
                       int64_t* out_words, uint32_t* status, uint64_t* cycles) {
    std::lock_guard<std::mutex> guard(g_lock);
    if (!g_open) return MM2IM_SIM_NOT_OPEN;
    if (in_words < 0 || out_capacity < 0 || (in_words > 0 && !in) || (out_capacity > 0 && !out) || !out_words ||
        !status || !cycles)
        return MM2IM_SIM_BAD_ARGUMENT;
    hls::stream<axis_word> sin, sout;
    for (int64_t i = 0; i < in_words; i++) {
        axis_word beat;
        beat.data = in[i];
        beat.keep = 0xF;
        beat.strb = 0xF;
        beat.last = i == in_words - 1;
        sin.write(beat);
    }
    try {
        *status = mm2im_top(opcode, sin, sout);
    } catch (const std::runtime_error&) {
        return MM2IM_SIM_INPUT_UNDERRUN;
    }
    *cycles = mm2im_counted_cycles();
    int64_t n = static_cast<int64_t>(sout.size());
    *out_words = n;
    if (n > out_capacity) return MM2IM_SIM_OUTPUT_OVERFLOW;
    for (int64_t i = 0; i < n; i++) out[i] = static_cast<uint32_t>(sout.read().data);
    if (!sin.empty()) return MM2IM_SIM_INPUT_LEFT_OVER;
    return MM2IM_SIM_OK;
}

}  // extern "C"
