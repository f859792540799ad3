/*
 * Transposed convolution kernels, written once for OpenCL C and CUDA (kernels/cuda/tconv.cu includes this
 * file). Same kernel names and arguments as dev.kiln.tconv.cpu.TConvCpuKernels; the cpu weight layouts are
 * blocked for registers, these read [Oc][Kd][Kh][Kw][Ic/groups] (OHWI for 2-D) as given. Every kernel first
 * takes the geometry (dev.kiln.tconv.cpu.Geometry):
 *   n, ih, iw, ic, oc, kh, kw, sh, sw, pt, pl, oh, ow, id, kd, sd, pd, od, dd, dh, dw, groups
 * Tensors are channels-last (N[D]HWC). Output (oz, oy, ox) receives input (iz, iy, ix) through tap (kz, ky, kx) iff
 *   oz = iz*sd - pd + kz*dd,  oy = iy*sh - pt + ky*dh  and  ox = ix*sw - pl + kx*dw,
 * reading the ic/groups input channels of the output channel's group. Only mm2im_f32 uses depth, dilations
 * and groups; the int8, IOM and zero-insertion kernels are the 2-D, group-1, undilated (TFLite) case.
 */
#include "kiln_portable.h"

#define GEO int n, int ih, int iw, int ic, int oc, int kh, int kw, int sh, int sw, int pt, int pl, int oh, int ow, \
            int id, int kd, int sd, int pd, int od, int dd, int dh, int dw, int groups

#if defined(KILN_CUDA)
typedef long long i64;
#else
typedef long i64;
#endif

/* ---- TFLite requantisation (dev.kiln.tconv.quant.Rounding documents the sign handling) ---- */

DEVICE_FN int srdhm(int a, int b) {                    /* gemmlowp SaturatingRoundingDoublingHighMul */
    if (a == b && a == (int) 0x80000000) return 0x7fffffff;
    i64 ab = (i64) a * (i64) b;
    i64 nudge = ab >= 0 ? (i64) (1 << 30) : (i64) (1 - (1 << 30));
    return (int) ((ab + nudge) / ((i64) 1 << 31));      /* C division truncates toward zero */
}

DEVICE_FN int rdbpot(int x, int e) {                   /* gemmlowp RoundingDivideByPOT, e in [0, 31] */
    int mask = (int) (((i64) 1 << e) - 1);
    int remainder = x & mask;
    int threshold = (mask >> 1) + (x < 0 ? 1 : 0);
    return (x >> e) + (remainder > threshold ? 1 : 0);
}

/* rounding 0: double (TFLite default), 1: single ((x*M + 2^(30-s)) >> (31-s), ties toward +inf). */
DEVICE_FN int requantize(int acc, int m, int s, int out_zp, int rounding) {
    int q;
    if (rounding == 0) {
        int left = s > 0 ? s : 0, right = s > 0 ? 0 : -s;
        q = rdbpot(srdhm((int) ((unsigned) acc << left), m), right);   /* the shift wraps, as in TFLite */
    } else {
        int total = 31 - s;
        q = (int) (((i64) acc * (i64) m + ((i64) 1 << (total - 1))) >> total);
    }
    q += out_zp;
    return q < -128 ? -128 : (q > 127 ? 127 : q);
}

/* ---- dot products over input channels ---- */

DEVICE_FN float dot_f32(GLOBAL const float* a, GLOBAL const float* b, int len) {
    float s = 0.0f;
    for (int c = 0; c < len; c++) s = fma(a[c], b[c], s);
    return s;
}

/* sum (x[c] - zp) * w[c], exact in int32. tconv.cu replaces this with a __dp4a version. */
#ifndef KILN_DOT_I8
DEVICE_FN int dot_i8(GLOBAL const char* x, GLOBAL const char* w, int len, int zp) {
    int s = 0;
    for (int c = 0; c < len; c++) s += ((int) x[c] - zp) * (int) w[c];
    return s;
}
#define KILN_DOT_I8 dot_i8
#endif

/* ---- MM2IM: one work item per output element; only the taps that land on it (the compute map) ---- */

/*
 * Tap rows feeding output row oy are ky = (oy + pt) mod sh, then every sh-th; input row iy = (oy + pt - ky) / sh.
 * The output is stationary in a register; no partial sums leave the work item.
 */
#define MM2IM_TAPS(BODY)                                                                  \
    int ty = oy + pt, tx = ox + pl;                                                       \
    for (int ky = ty % sh; ky < kh; ky += sh) {                                           \
        int iy = (ty - ky) / sh;                                                          \
        if (iy < 0 || iy >= ih) continue;                                                 \
        for (int kx = tx % sw; kx < kw; kx += sw) {                                       \
            int ix = (tx - kx) / sw;                                                      \
            if (ix < 0 || ix >= iw) continue;                                             \
            BODY                                                                          \
        }                                                                                 \
    }

/*
 * The general compute map, one axis: tap k reaches output o from input (o + p - k*d) / s when that is a whole
 * number in [0, in). o + p - k*d falls as k grows, so the loop stops at the first negative one.
 */
#define MM2IM_AXIS(k, i, o, p, s, d, K, IN, BODY)                                         \
    for (int k = 0; k < K; k++) {                                                         \
        int t_##k = o + p - k * d;                                                        \
        if (t_##k < 0) break;                                                             \
        if (t_##k % s != 0) continue;                                                     \
        int i = t_##k / s;                                                                \
        if (i >= IN) continue;                                                            \
        BODY                                                                              \
    }

KERNEL void mm2im_f32(GEO, GLOBAL const float* RESTRICT x, GLOBAL const float* RESTRICT w,
                      GLOBAL const float* RESTRICT bias, GLOBAL float* RESTRICT y) {
    size_t e = global_id(0);
    if (e >= (size_t) n * od * oh * ow * oc) return;
    int o = (int) (e % oc);
    size_t p = e / oc;
    int ox = (int) (p % ow), oy = (int) ((p / ow) % oh), oz = (int) ((p / ((size_t) ow * oh)) % od);
    int b = (int) (p / ((size_t) ow * oh * od));
    int icg = ic / groups, ocg = oc / groups, c0 = (o / ocg) * icg;
    float acc = bias[o];
    MM2IM_AXIS(kz, iz, oz, pd, sd, dd, kd, id,
      MM2IM_AXIS(ky, iy, oy, pt, sh, dh, kh, ih,
        MM2IM_AXIS(kx, ix, ox, pl, sw, dw, kw, iw,
          acc += dot_f32(x + ((((size_t) b * id + iz) * ih + iy) * iw + ix) * ic + c0,
                         w + ((((size_t) o * kd + kz) * kh + ky) * kw + kx) * icg, icg);)))
    y[e] = acc;
}

KERNEL void mm2im_i8(GEO, GLOBAL const char* RESTRICT x, GLOBAL const char* RESTRICT w, GLOBAL const int* RESTRICT bias,
                     GLOBAL const int* RESTRICT mult, GLOBAL const int* RESTRICT shift, int in_zp, int out_zp, int rounding,
                     GLOBAL char* RESTRICT y) {
    size_t e = global_id(0);
    if (e >= (size_t) n * oh * ow * oc) return;
    int o = (int) (e % oc);
    size_t p = e / oc;
    int ox = (int) (p % ow), oy = (int) ((p / ow) % oh), b = (int) (p / ((size_t) ow * oh));
    int acc = bias[o];
    MM2IM_TAPS(acc += KILN_DOT_I8(x + (((size_t) b * ih + iy) * iw + ix) * ic, w + (((size_t) o * kh + ky) * kw + kx) * ic, ic, in_zp);)
    y[e] = (char) requantize(acc, mult[o], shift[o], out_zp, rounding);
}

/* ---- MM2IM tiled: the compute map per tile, a GEMM tile in local memory ---- */

/*
 * Output pixels fall into stride phases q = (oz mod sd, oy mod sh, ox mod sw). Within a phase every pixel is
 * reached by the same taps: tap k lands on o = q + s*j iff (q + p - k*d) is a multiple of s, and then reads input
 * i = j + (q + p - k*d)/s. So a work-group takes MT_P pixels of ONE phase and MT_O output channels of one group,
 * walks only that phase's taps (a branch uniform across the group), and for each tap runs a small GEMM over the
 * group's input channels in chunks of MT_K staged in local memory: 16 x 16 items, each holding 2 channels x 4
 * pixels in registers. Loads are channel-contiguous (consecutive items read consecutive channels of NHWC x and
 * of [Oc][Kd][Kh][Kw][Ic/g] w). A tap that falls outside the input for one of an item's pixels is skipped for
 * that pixel, not multiplied by a zero, so a NaN weight reaches exactly the outputs it reaches in mm2im_f32.
 */
#define MT_O 32
#define MT_P 64
#define MT_K 16
#define MT_ITEMS 256

DEVICE_FN int floor_mod(int a, int m) { int r = a % m; return r < 0 ? r + m : r; }

/*
 * The work-group's tile, decoded from group_id(0) in the order Mm2im.tiledRange counts groups: channel tile o0 of
 * group grp, pixel tile p0 of stride phase (qz, qy, qx) of image b, the phase being nz x ny x nx pixels. The whole
 * group leaves together when its tile is empty. Then this item's 4 pixels (ty + 16 r), which it both loads and
 * accumulates, as phase coordinates (jz, jy, jx); real[r] is false past the phase's end.
 */
#define MT_TILE_SETUP                                                                                    \
    int tid = (int) local_id(0), tx = tid % 16, ty = tid / 16;                                           \
    int icg = ic / groups, ocg = oc / groups;                                                            \
    int otiles = (ocg + MT_O - 1) / MT_O;                                                                \
    int ptiles = (((od + sd - 1) / sd) * ((oh + sh - 1) / sh) * ((ow + sw - 1) / sw) + MT_P - 1) / MT_P; \
    size_t g = group_id(0);                                                                              \
    int ot = (int) (g % otiles); g /= otiles;                                                            \
    int grp = (int) (g % groups); g /= groups;                                                           \
    int ptile = (int) (g % ptiles); g /= ptiles;                                                         \
    int qx = (int) (g % sw); g /= sw;                                                                    \
    int qy = (int) (g % sh); g /= sh;                                                                    \
    int qz = (int) (g % sd); g /= sd;                                                                    \
    int b = (int) g;                                                                                     \
    int nz = (od - qz + sd - 1) / sd, ny = (oh - qy + sh - 1) / sh, nx = (ow - qx + sw - 1) / sw;        \
    int p0 = ptile * MT_P, o0 = ot * MT_O;                                                               \
    if (qz >= od || qy >= oh || qx >= ow || p0 >= nz * ny * nx) return;                                  \
    int jz[4], jy[4], jx[4];                                                                             \
    bool real[4];                                                                                        \
    for (int r = 0; r < 4; r++) {                                                                        \
        int p = p0 + ty + 16 * r;                                                                        \
        real[r] = p < nz * ny * nx;                                                                      \
        jx[r] = p % nx; jy[r] = (p / nx) % ny; jz[r] = p / (nx * ny);                                    \
    }

/*
 * BODY once per tap of the phase, a branch uniform across the group (tap k lands iff (q + p - k*d) is a multiple
 * of s; the input index is then j + (q + p - k*d)/s, an exact division): lands[r] says whether the tap reaches an
 * input pixel for this item's pixel r, xrow[r] is that pixel's first channel of the group, wtap the tap's offset in
 * a [Kd][Kh][Kw][Ic/g] filter.
 */
#define MT_FOR_EACH_TAP(BODY)                                                                                          \
    for (int kz = 0; kz < kd; kz++) {                                                                                  \
        int tz = qz + pd - kz * dd;                                                                                    \
        if (floor_mod(tz, sd) != 0) continue;                                                                          \
        for (int ky = 0; ky < kh; ky++) {                                                                              \
            int tyy = qy + pt - ky * dh;                                                                               \
            if (floor_mod(tyy, sh) != 0) continue;                                                                     \
            for (int kx = 0; kx < kw; kx++) {                                                                          \
                int txx = qx + pl - kx * dw;                                                                           \
                if (floor_mod(txx, sw) != 0) continue;                                                                 \
                bool lands[4];                                                                                         \
                size_t xrow[4];                                                                                        \
                for (int r = 0; r < 4; r++) {                                                                          \
                    int iz = jz[r] + tz / sd, iy = jy[r] + tyy / sh, ix = jx[r] + txx / sw;                            \
                    lands[r] = real[r] && iz >= 0 && iz < id && iy >= 0 && iy < ih && ix >= 0 && ix < iw;              \
                    xrow[r] = lands[r] ? ((((size_t) b * id + iz) * ih + iy) * iw + ix) * ic + (size_t) grp * icg : 0; \
                }                                                                                                      \
                size_t wtap = (((size_t) kz * kh + ky) * kw + kx) * icg;                                               \
                BODY                                                                                                   \
            }                                                                                                          \
        }                                                                                                              \
    }

KERNEL void mm2im_f32_tiled(GEO, GLOBAL const float* RESTRICT x, GLOBAL const float* RESTRICT w,
                            GLOBAL const float* RESTRICT bias, GLOBAL float* RESTRICT y) {
    LOCAL float xs[MT_K][MT_P];
    LOCAL float ws[MT_K][MT_O];
    MT_TILE_SETUP
    float acc[2][4];
    for (int i = 0; i < 2; i++) for (int r = 0; r < 4; r++) acc[i][r] = 0.0f;
    MT_FOR_EACH_TAP(
        for (int c0 = 0; c0 < icg; c0 += MT_K) {
            int c = c0 + tx;
            for (int r = 0; r < 4; r++) xs[tx][ty + 16 * r] = lands[r] && c < icg ? x[xrow[r] + c] : 0.0f;
            for (int r = 0; r < 2; r++) {
                int o = o0 + ty + 16 * r;
                ws[tx][ty + 16 * r] = o < ocg && c < icg ? w[((size_t) grp * ocg + o) * kd * kh * kw * icg + wtap + c] : 0.0f;
            }
            LOCAL_BARRIER();
            for (int k = 0; k < MT_K; k++) {
                float w0 = ws[k][tx];
                float w1 = ws[k][tx + 16];
                for (int r = 0; r < 4; r++) {
                    float xv = xs[k][ty + 16 * r];
                    if (lands[r]) {
                        acc[0][r] = fma(w0, xv, acc[0][r]);
                        acc[1][r] = fma(w1, xv, acc[1][r]);
                    }
                }
            }
            LOCAL_BARRIER();
        })
    for (int r = 0; r < 4; r++) {
        if (!real[r]) continue;
        int oz = qz + sd * jz[r], oy = qy + sh * jy[r], ox = qx + sw * jx[r];
        size_t out = ((((size_t) b * od + oz) * oh + oy) * ow + ox) * oc + (size_t) grp * ocg;
        for (int i = 0; i < 2; i++) {
            int o = o0 + tx + 16 * i;
            if (o < ocg) y[out + o] = acc[i][r] + bias[grp * ocg + o];
        }
    }
}

/*
 * int8 twin of mm2im_f32_tiled (the TFLite subset reaches it, the kernel is general). Local memory holds 64
 * channels per step packed four to an int, and the products are 4-way byte dot products: __dp4a on CUDA
 * (tconv.cu defines KILN_DOT4_I8), four multiplies on OpenCL. The input zero point is taken off per pixel and
 * tap as zp * (sum of the tap's weights), so only landed taps count, and the result is bit-exact.
 */
#ifndef KILN_DOT4_I8
DEVICE_FN int dot4_i8(int a, int b, int acc) {
    return acc + (int) (char) a * (int) (char) b + (int) (char) (a >> 8) * (int) (char) (b >> 8)
               + (int) (char) (a >> 16) * (int) (char) (b >> 16) + (int) (char) (a >> 24) * (int) (char) (b >> 24);
}
#define KILN_DOT4_I8 dot4_i8
#endif

#define MT_K8 64

/* channels c .. c+3 of a row of len bytes, packed little-endian; bytes past len read as 0 */
DEVICE_FN int pack4_i8(GLOBAL const char* row, int c, int len) {
    int v = 0;
    for (int j = 0; j < 4; j++) if (c + j < len) v |= ((int) (uchar) row[c + j]) << (8 * j);
    return v;
}

KERNEL void mm2im_i8_tiled(GEO, GLOBAL const char* RESTRICT x, GLOBAL const char* RESTRICT w, GLOBAL const int* RESTRICT bias,
                           GLOBAL const int* RESTRICT mult, GLOBAL const int* RESTRICT shift, int in_zp, int out_zp, int rounding,
                           GLOBAL char* RESTRICT y) {
    LOCAL int xs4[MT_P][MT_K8 / 4];
    LOCAL int ws4[MT_O][MT_K8 / 4];
    MT_TILE_SETUP
    int acc[2][4];
    for (int i = 0; i < 2; i++) for (int r = 0; r < 4; r++) acc[i][r] = 0;
    MT_FOR_EACH_TAP(
        for (int c0 = 0; c0 < icg; c0 += MT_K8) {
            int c = c0 + 4 * tx;
            for (int r = 0; r < 4; r++) xs4[ty + 16 * r][tx] = lands[r] ? pack4_i8(x + xrow[r], c, icg) : 0;
            for (int r = 0; r < 2; r++) {
                int o = o0 + ty + 16 * r;
                ws4[ty + 16 * r][tx] = o < ocg ? pack4_i8(w + ((size_t) grp * ocg + o) * kd * kh * kw * icg + wtap, c, icg) : 0;
            }
            LOCAL_BARRIER();
            for (int i = 0; i < 2; i++) {
                int wsum = 0;
                for (int k = 0; k < MT_K8 / 4; k++) wsum = KILN_DOT4_I8(0x01010101, ws4[tx + 16 * i][k], wsum);
                for (int r = 0; r < 4; r++) {
                    if (!lands[r]) continue;
                    int dot = 0;
                    for (int k = 0; k < MT_K8 / 4; k++) dot = KILN_DOT4_I8(xs4[ty + 16 * r][k], ws4[tx + 16 * i][k], dot);
                    acc[i][r] += dot - in_zp * wsum;
                }
            }
            LOCAL_BARRIER();
        })
    for (int r = 0; r < 4; r++) {
        if (!real[r]) continue;
        int oz = qz + sd * jz[r], oy = qy + sh * jy[r], ox = qx + sw * jx[r];
        size_t out = ((((size_t) b * od + oz) * oh + oy) * ow + ox) * oc + (size_t) grp * ocg;
        for (int i = 0; i < 2; i++) {
            int o = o0 + tx + 16 * i, oo = grp * ocg + o;
            if (o < ocg) y[out + o] = (char) requantize(acc[i][r] + bias[oo], mult[oo], shift[oo], out_zp, rounding);
        }
    }
}

/* ---- IOM: GEMM of every pixel with every tap into col[pixel][tap][oc], then col2im gathers the valid ones ---- */

KERNEL void iom_gemm_f32(GEO, GLOBAL const float* RESTRICT x, GLOBAL const float* RESTRICT w, GLOBAL float* RESTRICT col) {
    size_t e = global_id(0);
    int taps = kh * kw;
    if (e >= (size_t) n * ih * iw * taps * oc) return;
    int o = (int) (e % oc), t = (int) ((e / oc) % taps);
    size_t pixel = e / ((size_t) oc * taps);
    col[e] = dot_f32(x + pixel * ic, w + ((size_t) o * taps + t) * ic, ic);
}

KERNEL void iom_gemm_i8(GEO, GLOBAL const char* RESTRICT x, GLOBAL const char* RESTRICT w, int in_zp, GLOBAL int* RESTRICT col) {
    size_t e = global_id(0);
    int taps = kh * kw;
    if (e >= (size_t) n * ih * iw * taps * oc) return;
    int o = (int) (e % oc), t = (int) ((e / oc) % taps);
    size_t pixel = e / ((size_t) oc * taps);
    col[e] = KILN_DOT_I8(x + pixel * ic, w + ((size_t) o * taps + t) * ic, ic, in_zp);
}

#define COL_INDEX(b) (((((size_t) (b) * ih + iy) * iw + ix) * (kh * kw) + ky * kw + kx) * oc + o)

KERNEL void iom_col2im_f32(GEO, GLOBAL const float* RESTRICT col, GLOBAL const float* RESTRICT bias, GLOBAL float* RESTRICT y) {
    size_t e = global_id(0);
    if (e >= (size_t) n * oh * ow * oc) return;
    int o = (int) (e % oc);
    size_t p = e / oc;
    int ox = (int) (p % ow), oy = (int) ((p / ow) % oh), b = (int) (p / ((size_t) ow * oh));
    float acc = bias[o];
    MM2IM_TAPS(acc += col[COL_INDEX(b)];)
    y[e] = acc;
}

KERNEL void iom_col2im_i8(GEO, GLOBAL const int* RESTRICT col, GLOBAL const int* RESTRICT bias, GLOBAL const int* RESTRICT mult,
                          GLOBAL const int* RESTRICT shift, int out_zp, int rounding, GLOBAL char* RESTRICT y) {
    size_t e = global_id(0);
    if (e >= (size_t) n * oh * ow * oc) return;
    int o = (int) (e % oc);
    size_t p = e / oc;
    int ox = (int) (p % ow), oy = (int) ((p / ow) % oh), b = (int) (p / ((size_t) ow * oh));
    int acc = bias[o];
    MM2IM_TAPS(acc += col[COL_INDEX(b)];)
    y[e] = (char) requantize(acc, mult[o], shift[o], out_zp, rounding);
}

/* ---- zero-insertion: spread the input into z[n][oh+kh-1][ow+kw-1][ic], then a stride-1 conv (flipped weights) ---- */

KERNEL void zero_insert(GEO, GLOBAL const uchar* RESTRICT x, GLOBAL uchar* RESTRICT z, int bytes, int fill) {
    size_t e = global_id(0);
    int zh = oh + kh - 1, zw = ow + kw - 1;
    if (e >= (size_t) n * zh * zw * ic) return;
    int c = (int) (e % ic);
    size_t p = e / ic;
    int zx = (int) (p % zw), zy = (int) ((p / zw) % zh), b = (int) (p / ((size_t) zw * zh));
    int ty = zy - (kh - 1 - pt), tx = zx - (kw - 1 - pl);
    int iy = ty / sh, ix = tx / sw;
    int inside = ty >= 0 && tx >= 0 && ty % sh == 0 && tx % sw == 0 && iy < ih && ix < iw;
    size_t src = ((((size_t) b * ih + iy) * iw + ix) * ic + c) * bytes;
    for (int k = 0; k < bytes; k++) z[e * bytes + k] = inside ? x[src + k] : (uchar) fill;
}

KERNEL void zi_conv_f32(GEO, GLOBAL const float* RESTRICT z, GLOBAL const float* RESTRICT w, GLOBAL const float* RESTRICT bias,
                        GLOBAL float* RESTRICT y) {
    size_t e = global_id(0);
    if (e >= (size_t) n * oh * ow * oc) return;
    int o = (int) (e % oc);
    size_t p = e / oc;
    int ox = (int) (p % ow), oy = (int) ((p / ow) % oh), b = (int) (p / ((size_t) ow * oh));
    int zh = oh + kh - 1, zw = ow + kw - 1;
    float acc = bias[o];
    for (int ky = 0; ky < kh; ky++)
        for (int kx = 0; kx < kw; kx++)
            acc += dot_f32(z + (((size_t) b * zh + oy + ky) * zw + ox + kx) * ic, w + (((size_t) o * kh + ky) * kw + kx) * ic, ic);
    y[e] = acc;
}

KERNEL void zi_conv_i8(GEO, GLOBAL const char* RESTRICT z, GLOBAL const char* RESTRICT w, GLOBAL const int* RESTRICT bias,
                       GLOBAL const int* RESTRICT mult, GLOBAL const int* RESTRICT shift, int in_zp, int out_zp, int rounding,
                       GLOBAL char* RESTRICT y) {
    size_t e = global_id(0);
    if (e >= (size_t) n * oh * ow * oc) return;
    int o = (int) (e % oc);
    size_t p = e / oc;
    int ox = (int) (p % ow), oy = (int) ((p / ow) % oh), b = (int) (p / ((size_t) ow * oh));
    int zh = oh + kh - 1, zw = ow + kw - 1;
    int acc = bias[o];
    for (int ky = 0; ky < kh; ky++)
        for (int kx = 0; kx < kw; kx++)
            acc += KILN_DOT_I8(z + (((size_t) b * zh + oy + ky) * zw + ox + kx) * ic, w + (((size_t) o * kh + ky) * kw + kx) * ic, ic, in_zp);
    y[e] = (char) requantize(acc, mult[o], shift[o], out_zp, rounding);
}
