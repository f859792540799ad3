// MM2IM accelerator: TCONV as MatMul + col2IM with a compute map, output-stationary int32 accumulation
// and row-by-row requantisation (Haris & Cano, arXiv 2507.07683), rewritten as Vitis HLS C++.
//
// Dataflow of one SCHEDULE: the compute-map decoder walks the buffered input pixels and, for each, the
// rectangle of kernel taps that land inside the (cropped) output; it pushes (out_index, tap) into one
// FIFO per PE. Eight PEs, one output channel each, pop their FIFO and do a 16-wide int8 dot product per
// cycle over the pixel's depth, adding the tap's row-sum term (-zp_in * sum of the weight row) once per
// tap, and accumulate into their int32 accumulator at out_index. STORE pushes finished output rows
// through the post-processing unit (bias, per-channel multiplier and shift with single rounding, zp_out,
// clamp) and clears their accumulators for the rows that follow.
//
// This is the core shared by the two top functions: mm2im_top (AXI-Stream + AXI-Lite, for the Vivado
// block design with an AXI DMA, as in the paper) and mm2im_xrt (memory-mapped buffers, for XRT). It is
// included only by hls/mm2im/mm2im.cpp and hls/mm2im/mm2im_xrt.cpp.
#ifndef MM2IM_CORE_H
#define MM2IM_CORE_H

#include "mm2im.h"

namespace mm2im {

constexpr int PE = MM2IM_PE_COUNT;
constexpr int UF = MM2IM_UF;
constexpr int ACC_MASK = MM2IM_ACC_SIZE - 1;
static_assert((MM2IM_ACC_SIZE & ACC_MASK) == 0, "MM2IM_ACC_SIZE must be a power of two");
static_assert(MM2IM_MAX_K * MM2IM_MAX_K <= 256, "TapJob.tap is 8 bits");
static_assert(MM2IM_INP_BUF_WORDS <= 4096, "TapJob.base is 12 bits");
static_assert(MM2IM_MAX_IC % UF == 0, "MM2IM_MAX_IC must be a multiple of UF");

struct Config {
    int ic, ic_words, ih, iw, oh, ow, kh, kw, sh, sw, pt, pl, filters, zp_out, rounding;
};

#ifndef __SYNTHESIS__
// Counted cycles of the current invocation by phase (config, weights, input, schedule, store).
extern unsigned long long g_phase_cycles[5];
inline void count(int phase, unsigned long long cycles) { g_phase_cycles[phase] += cycles; }
#else
inline void count(int, unsigned long long) {}
#endif
enum Phase { PH_CONFIG = 0, PH_WGT = 1, PH_INP = 2, PH_SCHEDULE = 3, PH_STORE = 4 };

// The two kinds of port the core runs on: the AXI-Stream pair of mm2im_top (DMA), and memory-mapped
// buffers of mm2im_xrt (XRT buffer objects), where a cursor bounds every access: reading past the
// words given or writing past the capacity is counted in `overrun`, never done.
struct Cursor {
    unsigned pos;
    unsigned limit;
    unsigned overrun;
};

inline unsigned read_word(hls::stream<axis_word>& in, Cursor&) {
#pragma HLS INLINE
    axis_word w = in.read();
    return static_cast<unsigned>(w.data);
}

inline unsigned read_word(const unsigned* in, Cursor& c) {
#pragma HLS INLINE
    if (c.pos < c.limit) return in[c.pos++];
    c.overrun++;
    return 0u;
}

inline void write_word(hls::stream<axis_word>& out, Cursor&, unsigned word, bool last) {
#pragma HLS INLINE
    axis_word beat;
    beat.data = word;
    beat.keep = 0xF;
    beat.strb = 0xF;
    beat.last = last ? 1 : 0;
    out.write(beat);
}

inline void write_word(unsigned* out, Cursor& c, unsigned word, bool) {
#pragma HLS INLINE
    if (c.pos < c.limit) out[c.pos] = word;
    else c.overrun++;
    c.pos++;
}

inline i8_t byte_of(unsigned word, int b) {
#pragma HLS INLINE
    return i8_t(static_cast<long long>(static_cast<signed char>((word >> (8 * b)) & 0xFFu)));
}

inline bool in_range(int v, int lo, int hi) { return v >= lo && v <= hi; }

// LOAD_CONFIG: always consumes its 13 words; a config the buffers cannot hold is rejected whole.
template <class InPort>
unsigned load_config(InPort& in, Cursor& ic, Config& cfg, bool& cfg_valid, bool& wgt_valid,
                     acc_t acc[PE][MM2IM_ACC_SIZE], int& ready_bank) {
    int w[MM2IM_CFG_WORDS];
CFG_READ:
    for (int i = 0; i < MM2IM_CFG_WORDS; i++) {
#pragma HLS PIPELINE II = 1
        w[i] = static_cast<int>(read_word(in, ic));
    }
    count(PH_CONFIG, MM2IM_CFG_WORDS);
    Config c;
    c.ic = w[MM2IM_CFG_IC];
    c.ih = w[MM2IM_CFG_IH];
    c.iw = w[MM2IM_CFG_IW];
    c.oh = w[MM2IM_CFG_OH];
    c.ow = w[MM2IM_CFG_OW];
    c.kh = w[MM2IM_CFG_KH];
    c.kw = w[MM2IM_CFG_KW];
    c.sh = w[MM2IM_CFG_SH];
    c.sw = w[MM2IM_CFG_SW];
    c.pt = w[MM2IM_CFG_PT];
    c.pl = w[MM2IM_CFG_PL];
    c.filters = w[MM2IM_CFG_FILTERS];
    c.zp_out = w[MM2IM_CFG_ZP_OUT];
    c.rounding = w[MM2IM_CFG_ROUNDING];
    c.ic_words = (c.ic + UF - 1) / UF;

    cfg_valid = false;
    wgt_valid = false;
    ready_bank = -1;
    unsigned status = MM2IM_OK;
    if (!in_range(c.ic, 1, MM2IM_MAX_IC) || !in_range(c.ih, 1, MM2IM_MAX_DIM) || !in_range(c.iw, 1, MM2IM_MAX_DIM) ||
        !in_range(c.oh, 1, MM2IM_MAX_DIM) || !in_range(c.ow, 1, MM2IM_MAX_DIM) || !in_range(c.kh, 1, MM2IM_MAX_K) ||
        !in_range(c.kw, 1, MM2IM_MAX_K) || !in_range(c.sh, 1, MM2IM_MAX_STRIDE) || !in_range(c.sw, 1, MM2IM_MAX_STRIDE) ||
        !in_range(c.pt, 0, MM2IM_MAX_DIM) || !in_range(c.pl, 0, MM2IM_MAX_DIM) || !in_range(c.filters, 1, PE) ||
        !in_range(c.zp_out, -128, 127) || !in_range(c.rounding, MM2IM_ROUND_SINGLE, MM2IM_ROUND_DOUBLE)) {
        return MM2IM_ERR_CONFIG_RANGE;
    }
    if (c.kh * c.kw * c.ic_words > MM2IM_WGT_DEPTH) status |= MM2IM_ERR_WGT_CAPACITY;
    // Why Kh rows of accumulators suffice: input row iy touches output rows [iy*sh - pt, iy*sh - pt + Kh).
    // The host stores, after each input row iy, every row below (iy+1)*sh - pt (no later input row touches
    // them), in order. So while input row iy streams, every unstored row r that holds data, or is read by a
    // store, lies in [iy*sh - pt, iy*sh - pt + Kh): a window of at most min(Kh, Oh) rows, i.e. of fewer than
    // ACC_SIZE consecutive out_index values, which are distinct mod ACC_SIZE. A store clears what it reads,
    // so a slot is zero when the next row that maps to it first accumulates. (A host that breaks this
    // order gets wrong numbers, never an out-of-range access: every index is taken mod ACC_SIZE.)
    int open_rows = c.kh < c.oh ? c.kh : c.oh;
    if (open_rows * c.ow > MM2IM_ACC_SIZE) status |= MM2IM_ERR_ACC_CAPACITY;
    if (status != MM2IM_OK) return status;

    cfg = c;
    cfg_valid = true;
ACC_CLEAR:
    for (int i = 0; i < MM2IM_ACC_SIZE; i++) {
#pragma HLS PIPELINE II = 1
        for (int f = 0; f < PE; f++) {
#pragma HLS UNROLL
            acc[f][i] = 0;
        }
    }
    count(PH_CONFIG, MM2IM_ACC_SIZE);
    return MM2IM_OK;
}

// LOAD_WGT: per filter, Kh*Kw weight rows of ceil(Ic/16)*4 words, then Kh*Kw row-sum terms
// (-zp_in * sum of the row); then per filter bias, multiplier, shift.
template <class InPort>
unsigned load_weights(InPort& in, Cursor& ic, const Config& cfg, bool& wgt_valid,
                      i8_t wgt[PE][MM2IM_WGT_DEPTH][UF], acc_t rowterm[PE][MM2IM_MAX_K * MM2IM_MAX_K],
                      acc_t bias[PE], acc_t mult[PE], ap_int<8> shift[PE]) {
    const int taps = cfg.kh * cfg.kw;
    const int row_words = cfg.ic_words * (UF / MM2IM_BYTES_PER_WORD);
    wgt_valid = false;
WGT_FILTERS:
    for (int f = 0; f < cfg.filters; f++) {
#pragma HLS LOOP_TRIPCOUNT min = 1 max = MM2IM_PE_COUNT
    WGT_WORDS:
        for (int i = 0; i < taps * row_words; i++) {
#pragma HLS LOOP_TRIPCOUNT min = 1 max = MM2IM_WGT_DEPTH * 4
#pragma HLS PIPELINE II = 1
            unsigned word = read_word(in, ic);
            int addr = i / (UF / MM2IM_BYTES_PER_WORD);  // (tap * ic_words + d)
            int lane = (i % (UF / MM2IM_BYTES_PER_WORD)) * MM2IM_BYTES_PER_WORD;
            for (int b = 0; b < MM2IM_BYTES_PER_WORD; b++) {
#pragma HLS UNROLL
                wgt[f][addr][lane + b] = byte_of(word, b);
            }
        }
    WGT_ROWSUMS:
        for (int t = 0; t < taps; t++) {
#pragma HLS LOOP_TRIPCOUNT min = 1 max = MM2IM_MAX_K * MM2IM_MAX_K
#pragma HLS PIPELINE II = 1
            rowterm[f][t] = static_cast<int>(read_word(in, ic));
        }
        count(PH_WGT, static_cast<unsigned long long>(taps) * row_words + taps);
    }
    unsigned status = MM2IM_OK;
WGT_QUANT:
    for (int f = 0; f < cfg.filters; f++) {
#pragma HLS LOOP_TRIPCOUNT min = 1 max = MM2IM_PE_COUNT
#pragma HLS PIPELINE II = 3
        bias[f] = static_cast<int>(read_word(in, ic));
        int m = static_cast<int>(read_word(in, ic));
        int s = static_cast<int>(read_word(in, ic));
        if (m < 0 || s < -31 || s > (cfg.rounding == MM2IM_ROUND_SINGLE ? 30 : 31)) {
            status |= MM2IM_ERR_SHIFT_RANGE;
            m = 0;
            s = 0;
        }
        mult[f] = m;
        shift[f] = s;
    }
    count(PH_WGT, 3ull * cfg.filters);
    wgt_valid = status == MM2IM_OK;
    return status;
}

// The compute-map decoder. For input pixel (ih, iw) the kernel's origin in the output is
// (ih*sh - pt, iw*sw - pl); the taps that land inside the output form the rectangle
// [kh_lo, kh_hi) x [kw_lo, kw_hi), which is walked one tap per cycle. Pixels with no valid tap cost
// one cycle. No products for cropped outputs are ever scheduled.
inline void decode(const Config& cfg, int inp_first, int inp_count, hls::stream<TapJob> tap_fifo[PE]) {
    // One loop flattened by hand over (pixel, valid tap), II=1: a cycle per valid tap, one for a pixel
    // without any, and no pipeline refill between pixels. The origin moves by counters (no multiplies).
    int iw = inp_first % cfg.iw;  // one divide per SCHEDULE
    int oy0 = (inp_first / cfg.iw) * cfg.sh - cfg.pt;
    int ox0 = iw * cfg.sw - cfg.pl;
    int p = 0, r = 0, c = 0;
#ifndef __SYNTHESIS__
    unsigned long long t = 0;
#endif
DEC_TAPS:
    for (int i = 0; p < inp_count; i++) {
#pragma HLS LOOP_TRIPCOUNT min = 1 max = MM2IM_INP_BUF_WORDS * MM2IM_MAX_K * MM2IM_MAX_K
#pragma HLS PIPELINE II = 1
        // This pixel's rectangle of taps inside the output: [kh_lo, kh_hi) x [kw_lo, kw_hi).
        const int kh_lo = oy0 < 0 ? -oy0 : 0;
        const int kw_lo = ox0 < 0 ? -ox0 : 0;
        const int kh_hi = cfg.oh - oy0 < cfg.kh ? cfg.oh - oy0 : cfg.kh;
        const int kw_hi = cfg.ow - ox0 < cfg.kw ? cfg.ow - ox0 : cfg.kw;
        const int rows = kh_hi > kh_lo ? kh_hi - kh_lo : 0;
        const int cols = kw_hi > kw_lo ? kw_hi - kw_lo : 0;
        bool last_tap = true;
        if (rows > 0 && cols > 0) {
            TapJob job;
            job.out_index = static_cast<unsigned>((oy0 + kh_lo + r) * cfg.ow + ox0 + kw_lo + c);
            job.tap = (kh_lo + r) * cfg.kw + kw_lo + c;
            job.base = p * cfg.ic_words;
            job.end = 0;
#ifndef __SYNTHESIS__
            job.t_emit = t;
#endif
            for (int f = 0; f < PE; f++) {
#pragma HLS UNROLL
                tap_fifo[f].write(job);
            }
            last_tap = r == rows - 1 && c == cols - 1;
            if (c == cols - 1) {
                c = 0;
                r++;
            } else {
                c++;
            }
        }
#ifndef __SYNTHESIS__
        t++;
#endif
        if (last_tap) {  // next pixel
            r = 0;
            c = 0;
            p++;
            if (iw == cfg.iw - 1) {
                iw = 0;
                ox0 = -cfg.pl;
                oy0 += cfg.sh;
            } else {
                iw++;
                ox0 += cfg.sw;
            }
        }
    }
    TapJob end;
    end.out_index = 0;
    end.tap = 0;
    end.base = 0;
    end.end = 1;
#ifndef __SYNTHESIS__
    end.t_emit = t;
#endif
    for (int f = 0; f < PE; f++) {
#pragma HLS UNROLL
        tap_fifo[f].write(end);
    }
}

// The input buffer holds two chunks (halves of one dual-port memory per lane): LOAD_INP fills one half
// while SCHEDULE computes the chunk the previous LOAD_INP put in the other, so the input DMA hides
// behind the MACs. One pipelined loop does both, each cycle:
//  - load: one 32-bit input word into the loading half (write port), until the chunk is in;
//  - compute: one (tap job, depth word) step of the eight PEs in lock-step, each a 16-wide int8 dot
//    product of the broadcast input word (read port, computing half) with its own weight word; at a tap's
//    last depth word, + the tap's row term, accumulated into acc[out_index mod ACC_SIZE].
// It ends when the chunk is loaded and the decoder's end marker has arrived.
template <class InPort>
void load_and_compute(InPort& in, Cursor& ic, const Config& cfg, bool do_load, int load_base, int& new_first,
                      int& new_count, unsigned& load_status, int sched_base, i8_t inp[2 * MM2IM_INP_BUF_WORDS][UF],
                      const i8_t wgt[PE][MM2IM_WGT_DEPTH][UF], const acc_t rowterm[PE][MM2IM_MAX_K * MM2IM_MAX_K],
                      acc_t acc[PE][MM2IM_ACC_SIZE], hls::stream<TapJob> tap_fifo[PE]) {
    // LOAD_INP header: first pixel, pixel count; a chunk outside the image or the half is refused unread.
    load_status = MM2IM_OK;
    new_first = 0;
    new_count = 0;
    int words = 0;
    if (do_load) {
        const int first = static_cast<int>(read_word(in, ic));
        const int n = static_cast<int>(read_word(in, ic));
        count(PH_INP, 2);
        const long long pixels = static_cast<long long>(cfg.ih) * cfg.iw;
        if (first < 0 || n < 1 || first + static_cast<long long>(n) > pixels ||
            static_cast<long long>(n) * cfg.ic_words > MM2IM_INP_BUF_WORDS) {
            load_status = MM2IM_ERR_INPUT_RANGE;
        } else {
            words = n * cfg.ic_words * (UF / MM2IM_BYTES_PER_WORD);
            new_first = first;
            new_count = n;
        }
    }
    TapJob job[PE];
#pragma HLS ARRAY_PARTITION variable = job complete
    acc_t partial[PE];
#pragma HLS ARRAY_PARTITION variable = partial complete
    int w = 0, d = 0;
    bool jobs_done = false;
#ifndef __SYNTHESIS__
    // Timing of the dataflow: a job starts when the PEs are free and the decoder has emitted it.
    unsigned long long t = 0, finish = 0;
#endif
LOAD_AND_COMPUTE:
    for (;;) {
#pragma HLS LOOP_TRIPCOUNT min = 1 max = MM2IM_INP_BUF_WORDS * MM2IM_MAX_K * MM2IM_MAX_K
#pragma HLS PIPELINE II = 1
        // Within one pixel every tap hits a different output; the same output recurs only from a later
        // pixel, further apart than the accumulator's read-modify-write latency.
#pragma HLS DEPENDENCE variable = acc type = inter false
        // Loads write the loading half, the PEs read the computing half: never the same word.
#pragma HLS DEPENDENCE variable = inp type = inter false
#pragma HLS DEPENDENCE variable = inp type = intra false
        if (w < words) {
            const unsigned word = read_word(in, ic);
            const int addr = load_base + w / (UF / MM2IM_BYTES_PER_WORD);
            const int lane = (w % (UF / MM2IM_BYTES_PER_WORD)) * MM2IM_BYTES_PER_WORD;
            for (int b = 0; b < MM2IM_BYTES_PER_WORD; b++) {
#pragma HLS UNROLL
                inp[addr][lane + b] = byte_of(word, b);
            }
            w++;
        }
        if (!jobs_done) {
            if (d == 0) {
                for (int f = 0; f < PE; f++) {
#pragma HLS UNROLL
                    job[f] = tap_fifo[f].read();
                }
                jobs_done = job[0].end == 1;
#ifndef __SYNTHESIS__
                if (!jobs_done) {
                    if (job[0].t_emit + 1 > t) t = job[0].t_emit + 1;
                    t += cfg.ic_words;
                    finish = t;
                }
#endif
            }
            if (!jobs_done) {
                const int wa = job[0].tap * cfg.ic_words + d;
                const int ia = sched_base + job[0].base + d;
                for (int f = 0; f < PE; f++) {
#pragma HLS UNROLL
                    acc_t dot = 0;
                    for (int u = 0; u < UF; u++) {
#pragma HLS UNROLL
                        dot += static_cast<long long>(inp[ia][u]) * static_cast<long long>(wgt[f][wa][u]);
                    }
                    partial[f] = (d == 0 ? 0LL : static_cast<long long>(partial[f])) + static_cast<long long>(dot);
                    if (d == cfg.ic_words - 1) {
                        const int idx = static_cast<int>(job[f].out_index & ACC_MASK);
                        acc[f][idx] += static_cast<long long>(partial[f]) + static_cast<long long>(rowterm[f][job[f].tap]);
                    }
                }
                d = (d == cfg.ic_words - 1) ? 0 : d + 1;
            }
        }
        if (jobs_done && w >= words) break;
    }
    count(PH_INP, static_cast<unsigned long long>(words));
#ifndef __SYNTHESIS__
    count(PH_SCHEDULE, finish > 0 ? MM2IM_CYC_DECODER + finish + MM2IM_CYC_PE : 0);
#endif
}

// One invocation's LOAD_INP and SCHEDULE: the decoder feeds the merged load-and-compute loop (dataflow).
template <class InPort>
void load_and_schedule(InPort& in, Cursor& ic, const Config& cfg, bool do_load, int load_base, int& new_first,
                       int& new_count, unsigned& load_status, int sched_first, int sched_count, int sched_base,
                       i8_t inp[2 * MM2IM_INP_BUF_WORDS][UF], const i8_t wgt[PE][MM2IM_WGT_DEPTH][UF],
                       const acc_t rowterm[PE][MM2IM_MAX_K * MM2IM_MAX_K], acc_t acc[PE][MM2IM_ACC_SIZE]) {
#pragma HLS DATAFLOW
    hls::stream<TapJob> tap_fifo[PE];
#pragma HLS STREAM variable = tap_fifo depth = MM2IM_TAP_FIFO_DEPTH
    decode(cfg, sched_first, sched_count, tap_fifo);
    load_and_compute(in, ic, cfg, do_load, load_base, new_first, new_count, load_status, sched_base, inp, wgt, rowterm, acc,
                     tap_fifo);
}

// The post-processing unit: TFLite's MultiplyByQuantizedMultiplier, then + zp_out, clamped to int8.
//  - single rounding (the paper's PPU, TFLITE_SINGLE_ROUNDING): (x*M + 2^(30-shift)) >> (31-shift), saturated
//    to int32;
//  - double rounding (gemmlowp, TFLite's default): SaturatingRoundingDoublingHighMul(x << max(shift,0), M)
//    (round half up, via a truncating divide by 2^31), then RoundingDivideByPOT(., max(-shift,0)) (half away
//    from zero). The left shift wraps in int32, as TFLite's does.
inline i8_t post_process(acc_t x, acc_t m, ap_int<8> shift, int zp_out, int rounding) {
#pragma HLS INLINE
    const int sh = static_cast<int>(shift);
    long long r;
    if (rounding == MM2IM_ROUND_SINGLE) {
        const int total = 31 - sh;  // 1..62
        const ap_int<64> prod = static_cast<long long>(x) * static_cast<long long>(m);
        const ap_int<64> round = static_cast<long long>(1LL << (total - 1));
        r = static_cast<long long>(prod + round) >> total;
        if (r > 2147483647LL) r = 2147483647LL;
        if (r < -2147483648LL) r = -2147483648LL;
    } else {
        const int left = sh > 0 ? sh : 0, right = sh > 0 ? 0 : -sh;
        const acc_t xs = static_cast<long long>(x) * (1LL << left);  // wraps to int32
        const long long ab = static_cast<long long>(xs) * static_cast<long long>(m);
        const long long nudged = ab + (ab >= 0 ? (1LL << 30) : 1 - (1LL << 30));
        long long high = (nudged + (nudged < 0 ? (1LL << 31) - 1 : 0)) >> 31;  // truncating divide by 2^31
        if (static_cast<long long>(xs) == -2147483648LL && static_cast<long long>(m) == -2147483648LL) high = 2147483647LL;
        const long long mask = (1LL << right) - 1;
        const long long threshold = (mask >> 1) + (high < 0 ? 1 : 0);
        r = (high >> right) + ((high & mask) > threshold ? 1 : 0);
    }
    long long y = r + zp_out;
    if (y > 127) y = 127;
    if (y < -128) y = -128;
    return i8_t(y);
}

// STORE: header (first row, row count); then, per output pixel of those rows, the filters' int8
// results packed four per word (ceil(filters/4) words per pixel), TLAST on the last word.
template <class InPort, class OutPort>
unsigned store(InPort& in, Cursor& ic, OutPort& out, Cursor& oc, const Config& cfg,
               acc_t acc[PE][MM2IM_ACC_SIZE], const acc_t bias[PE], const acc_t mult[PE], const ap_int<8> shift[PE]) {
    const int first = static_cast<int>(read_word(in, ic));
    const int rows = static_cast<int>(read_word(in, ic));
    count(PH_STORE, 2);
    if (first < 0 || rows < 1 || first + static_cast<long long>(rows) > cfg.oh) return MM2IM_ERR_STORE_RANGE;
    const int wpp = (cfg.filters + MM2IM_BYTES_PER_WORD - 1) / MM2IM_BYTES_PER_WORD;
    const int pixels = rows * cfg.ow;
    i8_t y[PE];
#pragma HLS ARRAY_PARTITION variable = y complete
    int p = 0, w = 0;
STORE_WORDS:
    for (int i = 0; i < pixels * wpp; i++) {
#pragma HLS LOOP_TRIPCOUNT min = 1 max = MM2IM_ACC_SIZE * 2
#pragma HLS PIPELINE II = 1
        if (w == 0) {
            const int idx = static_cast<int>((static_cast<unsigned>(first * cfg.ow + p)) & ACC_MASK);
            for (int f = 0; f < PE; f++) {
#pragma HLS UNROLL
                y[f] = post_process(static_cast<long long>(acc[f][idx]) + static_cast<long long>(bias[f]), mult[f],
                                    shift[f], cfg.zp_out, cfg.rounding);
                acc[f][idx] = 0;  // ready for the row that reuses this slot
            }
        }
        unsigned word = 0;
        for (int b = 0; b < MM2IM_BYTES_PER_WORD; b++) {
#pragma HLS UNROLL
            const int f = w * MM2IM_BYTES_PER_WORD + b;
            const unsigned v = f < cfg.filters ? static_cast<unsigned>(static_cast<long long>(y[f & (PE - 1)]) & 0xFF) : 0u;
            word |= v << (8 * b);
        }
        write_word(out, oc, word, i == pixels * wpp - 1);
        if (w == wpp - 1) {
            w = 0;
            p++;
        } else {
            w++;
        }
    }
    count(PH_STORE, static_cast<unsigned long long>(pixels) * wpp + MM2IM_CYC_PPU);
    return MM2IM_OK;
}

// One invocation of the accelerator on either kind of port; the on-chip state is the caller's (static).
template <class InPort, class OutPort>
unsigned mm2im_core(unsigned opcode, InPort& in, Cursor& ic, OutPort& out, Cursor& oc, Config& cfg, bool& cfg_valid,
                    bool& wgt_valid, i8_t wgt[PE][MM2IM_WGT_DEPTH][UF], acc_t rowterm[PE][MM2IM_MAX_K * MM2IM_MAX_K],
                    acc_t bias[PE], acc_t mult[PE], ap_int<8> shift[PE], acc_t acc[PE][MM2IM_ACC_SIZE],
                    i8_t inp[2 * MM2IM_INP_BUF_WORDS][UF], int& ready_bank, int& ready_first, int& ready_count) {
#pragma HLS INLINE
#ifndef __SYNTHESIS__
    for (int i = 0; i < 5; i++) g_phase_cycles[i] = 0;
#endif
    if (opcode & ~MM2IM_OP_ALL) return MM2IM_ERR_OPCODE;
    unsigned status = MM2IM_OK;
    if (opcode & MM2IM_OP_LOAD_CONFIG) {
        status |= load_config(in, ic, cfg, cfg_valid, wgt_valid, acc, ready_bank);
        if (status != MM2IM_OK) return status;
    }
    if ((opcode & ~MM2IM_OP_LOAD_CONFIG) && !cfg_valid) return status | MM2IM_ERR_NO_CONFIG;
    if (opcode & MM2IM_OP_LOAD_WGT) {
        status |= load_weights(in, ic, cfg, wgt_valid, wgt, rowterm, bias, mult, shift);
        if (status != MM2IM_OK) return status;
    }
    if ((opcode & (MM2IM_OP_SCHEDULE | MM2IM_OP_STORE)) && !wgt_valid) return status | MM2IM_ERR_NO_WEIGHTS;
    // Input halves: LOAD_INP fills the half that is not waiting; SCHEDULE computes the waiting one.
    const bool do_load = (opcode & MM2IM_OP_LOAD_INP) != 0;
    const bool do_sched = (opcode & MM2IM_OP_SCHEDULE) && ready_bank >= 0;
    if (do_load && ready_bank >= 0 && !(opcode & MM2IM_OP_SCHEDULE)) return status | MM2IM_ERR_INPUT_BUSY;
    if (do_load || do_sched) {
        const int sched_first = do_sched ? ready_first : 0, sched_count = do_sched ? ready_count : 0;
        int new_first = 0, new_count = 0;
        unsigned load_status = MM2IM_OK;
        const int loaded_bank = ready_bank == 0 ? 1 : 0;  // the half that is not waiting
        load_and_schedule(in, ic, cfg, do_load, loaded_bank * MM2IM_INP_BUF_WORDS, new_first, new_count, load_status,
                          sched_first, sched_count, (ready_bank == 1 ? 1 : 0) * MM2IM_INP_BUF_WORDS, inp, wgt, rowterm, acc);
        if (do_sched) ready_bank = -1;  // a SCHEDULE consumes its chunk; scheduling it twice would double-count
        if (do_load) {
            status |= load_status;
            if (load_status != MM2IM_OK) return status;
            ready_bank = loaded_bank;
            ready_first = new_first;
            ready_count = new_count;
        }
    }
    if (opcode & MM2IM_OP_STORE) {
        status |= store(in, ic, out, oc, cfg, acc, bias, mult, shift);
    }
    return status;
}

}  // namespace mm2im

#endif  // MM2IM_CORE_H
