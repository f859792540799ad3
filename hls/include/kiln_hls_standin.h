// A minimal stand-in for the Xilinx HLS headers (ap_int.h, hls_stream.h, ap_axi_sdata.h), used only
// when those headers are absent, so that the accelerator's C simulation builds with plain g++.
//
// It implements exactly what hls/mm2im uses: fixed-width two's-complement integers up to 64 bits that
// wrap like ap_int/ap_uint, an unbounded FIFO with read/write/empty/size, and the AXI-Stream side
// channel struct (data, keep, strb, last). It is not synthesised; Vitis always uses its own headers.
#ifndef KILN_HLS_STANDIN_H
#define KILN_HLS_STANDIN_H

#include <cstdint>
#include <deque>
#include <stdexcept>
#include <type_traits>

namespace kiln_hls_detail {
template <int W>
constexpr long long wrap_signed(long long x) {
    static_assert(W >= 1 && W <= 64, "the stand-in supports widths 1..64");
    if constexpr (W == 64) {
        return x;
    } else {
        const unsigned long long mask = (1ULL << W) - 1ULL;
        unsigned long long u = static_cast<unsigned long long>(x) & mask;
        if (u >> (W - 1)) u |= ~mask;  // sign-extend
        return static_cast<long long>(u);
    }
}
template <int W>
constexpr unsigned long long wrap_unsigned(unsigned long long x) {
    static_assert(W >= 1 && W <= 64, "the stand-in supports widths 1..64");
    if constexpr (W == 64) return x;
    else return x & ((1ULL << W) - 1ULL);
}
}  // namespace kiln_hls_detail

// Arithmetic happens in long long through the conversion operator (exact for the widths used here,
// as Xilinx's full-precision ap_int arithmetic is); assignment back to a narrower type wraps.
// Storage as narrow as the width, so that the simulated buffers are as compact as the hardware's.
template <int W>
using kiln_signed_storage = std::conditional_t<(W <= 8), int8_t, std::conditional_t<(W <= 16), int16_t,
                                std::conditional_t<(W <= 32), int32_t, int64_t>>>;
template <int W>
using kiln_unsigned_storage = std::conditional_t<(W <= 8), uint8_t, std::conditional_t<(W <= 16), uint16_t,
                                  std::conditional_t<(W <= 32), uint32_t, uint64_t>>>;

template <int W>
struct ap_int {
    kiln_signed_storage<W> v;
    constexpr ap_int() : v(0) {}
    constexpr ap_int(long long x) : v(kiln_hls_detail::wrap_signed<W>(x)) {}
    constexpr operator long long() const { return v; }
    ap_int& operator+=(long long x) { v = kiln_hls_detail::wrap_signed<W>(static_cast<long long>(v) + x); return *this; }
    ap_int& operator-=(long long x) { v = kiln_hls_detail::wrap_signed<W>(static_cast<long long>(v) - x); return *this; }
    ap_int& operator++() { return *this += 1; }
    long long to_int64() const { return v; }
    int to_int() const { return static_cast<int>(v); }
};

template <int W>
struct ap_uint {
    kiln_unsigned_storage<W> v;
    constexpr ap_uint() : v(0) {}
    constexpr ap_uint(unsigned long long x) : v(kiln_hls_detail::wrap_unsigned<W>(x)) {}
    constexpr ap_uint(long long x) : v(kiln_hls_detail::wrap_unsigned<W>(static_cast<unsigned long long>(x))) {}
    constexpr ap_uint(int x) : v(kiln_hls_detail::wrap_unsigned<W>(static_cast<unsigned long long>(static_cast<long long>(x)))) {}
    constexpr ap_uint(unsigned x) : v(kiln_hls_detail::wrap_unsigned<W>(x)) {}
    constexpr operator unsigned long long() const { return v; }
    ap_uint& operator+=(unsigned long long x) { v = kiln_hls_detail::wrap_unsigned<W>(v + x); return *this; }
    ap_uint& operator|=(unsigned long long x) { v = kiln_hls_detail::wrap_unsigned<W>(v | x); return *this; }
    ap_uint& operator++() { return *this += 1; }
    unsigned long long to_uint64() const { return v; }
    unsigned to_uint() const { return static_cast<unsigned>(v); }
};

namespace hls {
// Unbounded in C simulation, as Xilinx's own hls::stream is; the depth pragma sizes the hardware FIFO.
template <typename T>
class stream {
   public:
    stream() = default;
    explicit stream(const char*) {}
    stream(const stream&) = delete;
    stream& operator=(const stream&) = delete;
    T read() {
        if (q_.empty()) throw std::runtime_error("hls::stream read while empty (the C simulation would hang in hardware)");
        T v = q_.front();
        q_.pop_front();
        return v;
    }
    void read(T& v) { v = read(); }
    void write(const T& v) { q_.push_back(v); }
    bool empty() const { return q_.empty(); }
    bool full() const { return false; }
    std::size_t size() const { return q_.size(); }
    void operator>>(T& v) { v = read(); }
    void operator<<(const T& v) { write(v); }
    void clear() { q_.clear(); }

   private:
    std::deque<T> q_;
};
}  // namespace hls

// AXI4-Stream word with side channels, as ap_axi_sdata.h defines it (user/id/dest widths 0).
template <int D, int U, int TI, int TD>
struct ap_axiu {
    ap_uint<D> data;
    ap_uint<(D + 7) / 8> keep;
    ap_uint<(D + 7) / 8> strb;
    ap_uint<1> last;
};

#endif  // KILN_HLS_STANDIN_H
