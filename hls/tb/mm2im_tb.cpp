// C-simulation testbench of the MM2IM accelerator. Builds with plain g++ (hls/include's stand-in) or
// under Vitis csim. It drives mm2im_top exactly as the host does over the DMA (config, weights per
// filter group, input rows, stores of finished rows), and checks every output byte against a golden
// TFLite int8 TRANSPOSE_CONV with single rounding, written here as a direct scatter loop.
//
//   mm2im_tb            random layers + the synthetic sweep (subset with --quick) + rejection checks
//   mm2im_tb --cycles   also prints the counted cycles of every layer
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <vector>

#include "mm2im.h"

namespace {

struct Layer {
    int ih, iw, ic, oc, kh, kw, sh, sw, pt, pb, pl, pr;
    int oh() const { return (ih - 1) * sh + kh - pt - pb; }
    int ow() const { return (iw - 1) * sw + kw - pl - pr; }
};

// TFLite SAME for a square layer: Oh = Ih*s, total pad K - s (if positive), extra on bottom/right.
Layer same(int s, int oc, int k, int ih, int iw, int ic) {
    int total = k - s > 0 ? k - s : 0;
    return Layer{ih, iw, ic, oc, k, k, s, s, total / 2, total - total / 2, total / 2, total - total / 2};
}

struct Quant {
    int zp_in, zp_out;
    int rounding;  // MM2IM_ROUND_SINGLE or MM2IM_ROUND_DOUBLE
    std::vector<int32_t> bias, mult, shift;
};

int64_t single_round(int64_t acc, int32_t m, int shift) {
    int total = 31 - shift;
    int64_t r = (acc * static_cast<int64_t>(m) + (int64_t(1) << (total - 1))) >> total;
    if (r > INT32_MAX) r = INT32_MAX;
    if (r < INT32_MIN) r = INT32_MIN;
    return r;
}

// gemmlowp / TFLite default: SaturatingRoundingDoublingHighMul, then RoundingDivideByPOT.
int64_t double_round(int64_t acc, int32_t m, int shift) {
    int left = shift > 0 ? shift : 0, right = shift > 0 ? 0 : -shift;
    int32_t x = static_cast<int32_t>(static_cast<uint32_t>(static_cast<int32_t>(acc)) << left);
    int64_t ab = static_cast<int64_t>(x) * m;
    int64_t nudge = ab >= 0 ? (int64_t(1) << 30) : 1 - (int64_t(1) << 30);
    int64_t high = (x == INT32_MIN && m == INT32_MIN) ? INT32_MAX : (ab + nudge) / (int64_t(1) << 31);
    int64_t mask = (int64_t(1) << right) - 1, rem = high & mask, thr = (mask >> 1) + (high < 0 ? 1 : 0);
    return (high >> right) + (rem > thr ? 1 : 0);
}

// Golden model: acc = sum over valid taps of (x - zp_in) * w, + bias, requantise (single or double rounding).
std::vector<int8_t> golden(const Layer& L, const Quant& q, const std::vector<int8_t>& x, const std::vector<int8_t>& w) {
    const int oh = L.oh(), ow = L.ow();
    std::vector<int64_t> acc(static_cast<size_t>(oh) * ow * L.oc, 0);
    for (int iy = 0; iy < L.ih; iy++)
        for (int ix = 0; ix < L.iw; ix++)
            for (int ky = 0; ky < L.kh; ky++) {
                int oy = iy * L.sh - L.pt + ky;
                if (oy < 0 || oy >= oh) continue;
                for (int kx = 0; kx < L.kw; kx++) {
                    int ox = ix * L.sw - L.pl + kx;
                    if (ox < 0 || ox >= ow) continue;
                    for (int o = 0; o < L.oc; o++) {
                        int64_t s = 0;
                        const int8_t* xp = &x[(static_cast<size_t>(iy) * L.iw + ix) * L.ic];
                        const int8_t* wp = &w[((static_cast<size_t>(o) * L.kh + ky) * L.kw + kx) * L.ic];
                        for (int c = 0; c < L.ic; c++) s += (int64_t(xp[c]) - q.zp_in) * wp[c];
                        acc[(static_cast<size_t>(oy) * ow + ox) * L.oc + o] += s;
                    }
                }
            }
    std::vector<int8_t> y(acc.size());
    for (size_t i = 0; i < acc.size(); i++) {
        int o = static_cast<int>(i % L.oc);
        int64_t v = (q.rounding == MM2IM_ROUND_SINGLE ? single_round(acc[i] + q.bias[o], q.mult[o], q.shift[o])
                                                      : double_round(acc[i] + q.bias[o], q.mult[o], q.shift[o])) + q.zp_out;
        y[i] = static_cast<int8_t>(v > 127 ? 127 : v < -128 ? -128 : v);
    }
    return y;
}

// ---- the host side of the protocol (what the Java driver does over the DMA) ----
// Either the AXI-Stream top (as over the DMA) or the XRT top (as over buffer objects).
struct Link {
    hls::stream<axis_word> in, out;
    unsigned long long cycles = 0;
    unsigned calls = 0;
    bool xrt = false;

    void push(uint32_t v) {
        axis_word beat;
        beat.data = v;
        beat.keep = 0xF;
        beat.strb = 0xF;
        beat.last = 0;
        in.write(beat);
    }
    void push_bytes(const int8_t* p, int n, int padded) {
        for (int i = 0; i < padded; i += 4) {
            uint32_t word = 0;
            for (int b = 0; b < 4; b++) {
                int k = i + b;
                uint32_t v = k < n ? static_cast<uint8_t>(p[k]) : 0u;
                word |= v << (8 * b);
            }
            push(word);
        }
    }
    unsigned exec(unsigned op) {
        if (xrt) return exec_xrt(op);
        unsigned status = mm2im_top(op, in, out);
        cycles += mm2im_counted_cycles();
        calls++;
        if (!in.empty()) {
            std::fprintf(stderr, "opcode %u left %zu input words unread\n", op, in.size());
            std::exit(2);
        }
        return status;
    }
    unsigned exec_xrt(unsigned op) {
        std::vector<unsigned> words;
        while (!in.empty()) words.push_back(static_cast<unsigned>(in.read().data));
        std::vector<unsigned> buf(1 << 16);
        unsigned result[4] = {};
        mm2im_xrt(op, words.data(), static_cast<unsigned>(words.size()), buf.data(), static_cast<unsigned>(buf.size()), result);
        cycles += mm2im_counted_cycles();
        calls++;
        if (result[2] != words.size() || result[3] != 0 || result[1] > buf.size()) {
            std::fprintf(stderr, "mm2im_xrt opcode %u: read %u of %zu words, %u overruns, wrote %u\n", op, result[2], words.size(),
                         result[3], result[1]);
            std::exit(2);
        }
        for (unsigned i = 0; i < result[1]; i++) {
            axis_word beat;
            beat.data = buf[i];
            beat.last = i + 1 == result[1];
            out.write(beat);
        }
        return result[0];
    }
};

int g_failures = 0;
#define CHECK(cond, ...)                                 \
    do {                                                 \
        if (!(cond)) {                                   \
            std::fprintf(stderr, "FAIL: " __VA_ARGS__);  \
            std::fprintf(stderr, "\n");                  \
            g_failures++;                                \
        }                                                \
    } while (0)

// Runs the filter groups of 8 on the accelerator; leftover filters (Oc % 8) are left to the caller's
// CPU path, as the paper's driver does. Returns the counted cycles.
unsigned long long run_accelerator(const Layer& L, const Quant& q, const std::vector<int8_t>& x,
                                   const std::vector<int8_t>& w, std::vector<int8_t>& y, bool xrt = false) {
    Link link;
    link.xrt = xrt;
    const int oh = L.oh(), ow = L.ow();
    const int icw = (L.ic + MM2IM_UF - 1) / MM2IM_UF, icp = icw * MM2IM_UF;
    const int groups = L.oc / MM2IM_PE_COUNT;
    const int chunk = MM2IM_INP_BUF_WORDS / icw;
    for (int g = 0; g < groups; g++) {
        const int f0 = g * MM2IM_PE_COUNT, nf = MM2IM_PE_COUNT;
        if (g == 0) {
            uint32_t cfg[MM2IM_CFG_WORDS] = {};
            cfg[MM2IM_CFG_IC] = L.ic, cfg[MM2IM_CFG_IH] = L.ih, cfg[MM2IM_CFG_IW] = L.iw;
            cfg[MM2IM_CFG_OH] = oh, cfg[MM2IM_CFG_OW] = ow, cfg[MM2IM_CFG_KH] = L.kh, cfg[MM2IM_CFG_KW] = L.kw;
            cfg[MM2IM_CFG_SH] = L.sh, cfg[MM2IM_CFG_SW] = L.sw, cfg[MM2IM_CFG_PT] = L.pt, cfg[MM2IM_CFG_PL] = L.pl;
            cfg[MM2IM_CFG_FILTERS] = nf, cfg[MM2IM_CFG_ZP_OUT] = static_cast<uint32_t>(q.zp_out);
            cfg[MM2IM_CFG_ROUNDING] = static_cast<uint32_t>(q.rounding);
            for (uint32_t v : cfg) link.push(v);
            unsigned st = link.exec(MM2IM_OP_LOAD_CONFIG);
            CHECK(st == MM2IM_OK, "config status %u", st);
        }
        for (int f = f0; f < f0 + nf; f++) {
            for (int t = 0; t < L.kh * L.kw; t++) link.push_bytes(&w[(static_cast<size_t>(f) * L.kh * L.kw + t) * L.ic], L.ic, icp);
            for (int t = 0; t < L.kh * L.kw; t++) {
                int64_t s = 0;
                for (int c = 0; c < L.ic; c++) s += w[(static_cast<size_t>(f) * L.kh * L.kw + t) * L.ic + c];
                link.push(static_cast<uint32_t>(static_cast<int32_t>(-q.zp_in * s)));
            }
        }
        for (int f = f0; f < f0 + nf; f++) {
            link.push(static_cast<uint32_t>(q.bias[f]));
            link.push(static_cast<uint32_t>(q.mult[f]));
            link.push(static_cast<uint32_t>(q.shift[f]));
        }
        unsigned st = link.exec(MM2IM_OP_LOAD_WGT);
        CHECK(st == MM2IM_OK, "weights status %u", st);
        // Chunks of input pixels in stream order; each invocation loads chunk k while the accelerator
        // computes chunk k-1 (the other input bank), then stores the rows chunk k-1 completed.
        struct Chunk { int iy, x0, n, ready; bool row_end; };
        std::vector<Chunk> chunks;
        for (int iy = 0; iy < L.ih; iy++) {
            int ready = iy == L.ih - 1 ? oh : (iy + 1) * L.sh - L.pt;
            ready = ready < 0 ? 0 : ready > oh ? oh : ready;
            for (int x0 = 0; x0 < L.iw; x0 += chunk) {
                int n = L.iw - x0 < chunk ? L.iw - x0 : chunk;
                chunks.push_back(Chunk{iy, x0, n, ready, x0 + n == L.iw});
            }
        }
        int stored = 0;
        for (size_t k = 0; k <= chunks.size(); k++) {
            unsigned op = 0;
            if (k < chunks.size()) {
                const Chunk& c = chunks[k];
                op |= MM2IM_OP_LOAD_INP;
                link.push(static_cast<uint32_t>(c.iy * L.iw + c.x0));
                link.push(static_cast<uint32_t>(c.n));
                for (int p = 0; p < c.n; p++) link.push_bytes(&x[(static_cast<size_t>(c.iy) * L.iw + c.x0 + p) * L.ic], L.ic, icp);
            }
            int ready = stored;
            if (k > 0) {
                op |= MM2IM_OP_SCHEDULE;
                const Chunk& done = chunks[k - 1];
                if (done.row_end && done.ready > stored) {
                    ready = done.ready;
                    op |= MM2IM_OP_STORE;
                    link.push(static_cast<uint32_t>(stored));
                    link.push(static_cast<uint32_t>(ready - stored));
                }
            }
            st = link.exec(op);
            CHECK(st == MM2IM_OK, "op %u status %u", op, st);
            if (op & MM2IM_OP_STORE) {
                for (int r = stored; r < ready; r++)
                    for (int ox = 0; ox < ow; ox++)
                        for (int wd = 0; wd < 2; wd++) {
                            uint32_t word = static_cast<uint32_t>(link.out.read().data);
                            for (int b = 0; b < 4; b++)
                                y[(static_cast<size_t>(r) * ow + ox) * L.oc + f0 + wd * 4 + b] =
                                    static_cast<int8_t>((word >> (8 * b)) & 0xFF);
                        }
                stored = ready;
            }
        }
        CHECK(stored == oh, "stored %d of %d rows", stored, oh);
        CHECK(link.out.empty(), "output stream has %zu extra words", link.out.size());
    }
    return link.cycles;
}

Quant random_quant(const Layer& L, std::mt19937_64& rng) {
    Quant q;
    q.zp_in = static_cast<int>(rng() % 256) - 128;
    q.zp_out = static_cast<int>(rng() % 256) - 128;
    q.rounding = static_cast<int>(rng() % 2);
    // A shift that maps the accumulator's spread onto int8 (so outputs are not all clamped).
    double spread = 128.0 * 80.0 * std::sqrt(static_cast<double>(L.kh * L.kw * L.ic) / (L.sh * L.sw));
    int base = -static_cast<int>(std::log2(spread)) + 6;
    for (int o = 0; o < L.oc; o++) {
        q.bias.push_back(static_cast<int32_t>(rng() % 40001) - 20000);
        q.mult.push_back(static_cast<int32_t>((1u << 30) + rng() % (1u << 30)));
        q.shift.push_back(base + static_cast<int>(rng() % 3) - 1);
    }
    return q;
}

bool check_layer(const Layer& L, std::mt19937_64& rng, bool print_cycles, const char* name, bool xrt = false) {
    std::vector<int8_t> x(static_cast<size_t>(L.ih) * L.iw * L.ic), w(static_cast<size_t>(L.oc) * L.kh * L.kw * L.ic);
    for (auto& v : x) v = static_cast<int8_t>(rng() % 256 - 128);
    for (auto& v : w) v = static_cast<int8_t>(rng() % 255 - 127);
    Quant q = random_quant(L, rng);
    std::vector<int8_t> want = golden(L, q, x, w);
    std::vector<int8_t> got = want;  // leftover filters (Oc % 8) come from the CPU path
    const int acc_oc = L.oc / MM2IM_PE_COUNT * MM2IM_PE_COUNT;
    for (size_t i = 0; i < got.size(); i++)
        if (static_cast<int>(i % L.oc) < acc_oc) got[i] = 0x5A;  // poison: every byte must be stored
    unsigned long long cycles = run_accelerator(L, q, x, w, got, xrt);
    size_t bad = 0, first = 0;
    for (size_t i = 0; i < got.size(); i++)
        if (got[i] != want[i] && bad++ == 0) first = i;
    if (print_cycles)
        std::printf("%-28s Ih%dx%d Ic%d Oc%d K%dx%d s%dx%d -> %dx%d  cycles %llu\n", name, L.ih, L.iw, L.ic, L.oc, L.kh,
                    L.kw, L.sh, L.sw, L.oh(), L.ow(), cycles);
    CHECK(bad == 0, "%s: %zu of %zu outputs differ (first at %zu: got %d want %d)", name, bad, got.size(), first,
          got[first], want[first]);
    return bad == 0;
}

// Over-size and malformed requests give a status word and leave the accelerator usable.
void check_rejections() {
    Link link;
    auto config = [&](int ic, int k, int ow, int filters) {
        uint32_t cfg[MM2IM_CFG_WORDS] = {static_cast<uint32_t>(ic), 4, 4, 8, static_cast<uint32_t>(ow),
                                         static_cast<uint32_t>(k), static_cast<uint32_t>(k), 2, 2, 1, 1,
                                         static_cast<uint32_t>(filters), 0, MM2IM_ROUND_SINGLE};
        for (uint32_t v : cfg) link.push(v);
        return link.exec(MM2IM_OP_LOAD_CONFIG);
    };
    CHECK(config(2048, 3, 8, 8) == MM2IM_ERR_CONFIG_RANGE, "Ic 2048 accepted");
    CHECK(config(64, 17, 8, 8) == MM2IM_ERR_CONFIG_RANGE, "K 17 accepted");
    CHECK(config(64, 3, 8, 9) == MM2IM_ERR_CONFIG_RANGE, "9 filters accepted");
    CHECK(config(1024, 7, 8, 8) == MM2IM_ERR_WGT_CAPACITY, "7x7x1024 weights accepted");
    CHECK(config(64, 3, 2000, 8) == MM2IM_ERR_ACC_CAPACITY, "3 rows x 2000 accepted");
    // After a rejected config nothing but a new config is accepted.
    CHECK(link.exec(MM2IM_OP_SCHEDULE) == MM2IM_ERR_NO_CONFIG, "schedule without config accepted");
    CHECK(link.exec(128u) == MM2IM_ERR_OPCODE, "unknown opcode accepted");
    CHECK(config(64, 3, 8, 8) == MM2IM_OK, "a valid config after rejections failed");
    CHECK(link.exec(MM2IM_OP_SCHEDULE) == MM2IM_ERR_NO_WEIGHTS, "schedule without weights accepted");
    link.push(0);
    link.push(17);  // 17 pixels of a 4x4 image
    CHECK(link.exec(MM2IM_OP_LOAD_INP) == MM2IM_ERR_INPUT_RANGE, "input past the image accepted");
}

}  // namespace

int main(int argc, char** argv) {
    bool print_cycles = false, quick = false, tiny = false;
    unsigned long long seed = std::random_device{}();
    for (int i = 1; i < argc; i++) {
        if (!std::strcmp(argv[i], "--cycles")) print_cycles = true;
        else if (!std::strcmp(argv[i], "--quick")) quick = true;
        else if (!std::strcmp(argv[i], "--tiny")) tiny = true;  // a few small layers: RTL co-simulation is slow
        else if (!std::strncmp(argv[i], "--seed=", 7)) seed = std::strtoull(argv[i] + 7, nullptr, 10);
    }
    std::printf("mm2im_tb seed %llu\n", seed);
    std::mt19937_64 rng(seed);
    check_rejections();

    int layers = 0;
    // The XRT top (memory-mapped buffers) runs the same core: two layers through it.
    layers += check_layer(same(2, 16, 5, 5, 5, 48), rng, print_cycles, "xrt top", true) ? 1 : 0;
    layers += check_layer(Layer{3, 5, 20, 12, 3, 2, 2, 3, 1, 0, 0, 1}, rng, print_cycles, "xrt top", true) ? 1 : 0;
    // Edge cases: non-square, VALID, explicit pads, K < s, stride 3, Oc % 8 != 0, Ic % 16 != 0, 1x1 input.
    const Layer edge[] = {
        {3, 5, 20, 8, 3, 2, 2, 3, 1, 0, 0, 1},   {4, 4, 16, 12, 2, 2, 3, 3, 0, 0, 0, 0},
        {5, 3, 33, 16, 3, 3, 3, 3, 0, 0, 0, 0},  {1, 1, 21, 21, 4, 4, 2, 2, 1, 1, 1, 1},
        {6, 7, 7, 9, 5, 3, 1, 2, 2, 2, 1, 0},    {2, 9, 48, 8, 1, 1, 1, 1, 0, 0, 0, 0},
        {7, 7, 300, 24, 4, 4, 2, 2, 3, 0, 0, 3}, {4, 4, 64, 8, 7, 7, 2, 2, 6, 6, 6, 6},
    };
    for (const Layer& L : edge) {
        layers += check_layer(L, rng, print_cycles, "edge") ? 1 : 0;
        if (tiny && layers >= 4) break;
    }
    if (tiny) {
        std::printf("mm2im_tb: %d layers %s (tiny run, seed %llu)\n", layers, g_failures ? "FAILED" : "bit-exact", seed);
        return g_failures ? 1 : 0;
    }
    // The authors' synthetic sweep: s {1,2} x Oc {16,32,64} x K {3,5,7} x Ih=Iw {7,9,11} x Ic {32..256}.
    for (int s : {1, 2})
        for (int oc : {16, 32, 64})
            for (int k : {3, 5, 7})
                for (int ih : {7, 9, 11})
                    for (int ic : {32, 64, 128, 256}) {
                        if (quick && (oc != 16 || ih != 7)) continue;
                        char name[64];
                        std::snprintf(name, sizeof name, "synthetic s%d oc%d k%d i%d c%d", s, oc, k, ih, ic);
                        layers += check_layer(same(s, oc, k, ih, ih, ic), rng, print_cycles, name) ? 1 : 0;
                    }
    // Model layers that are cheap to simulate here (the accelerator holds all of the suite's layers).
    layers += check_layer(same(2, 64, 5, 7, 7, 128), rng, print_cycles, "tf_dcgan2") ? 1 : 0;
    layers += check_layer(same(2, 21, 4, 4, 4, 21), rng, print_cycles, "fcn2") ? 1 : 0;
    layers += check_layer(same(8, 21, 16, 10, 10, 21), rng, print_cycles, "fcn3") ? 1 : 0;
    layers += check_layer(same(2, 512, 4, 1, 1, 512), rng, print_cycles, "pix2pix 1x1x512") ? 1 : 0;

    if (g_failures) {
        std::printf("mm2im_tb: %d check(s) FAILED (seed %llu)\n", g_failures, seed);
        return 1;
    }
    std::printf("mm2im_tb: %d layers bit-exact, rejections checked (seed %llu)\n", layers, seed);
    return 0;
}
