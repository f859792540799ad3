/*
 * libkiln_cpu: the cpu backend's split-KV decode attention over dim-major fp32 or bf16 keys, in C with AVX-512, for one
 * reason Java cannot meet: software prefetch. The Vector API kernel (SplitKvDecodeCpuDimMajor) computes a tile at
 * ~38 GB/s per core in L2 and one core streams ~15-26 GB/s, but its FMA loops and its reads do not overlap (a Java
 * load that misses is a demand load, which holds retirement), so a core gets 1/(1/stream + 1/math). Here every
 * iteration of the inner loops also prefetches (into L2) one row of the tile the task reads next, which keeps the
 * core's miss queue full while it computes.
 *
 * The arithmetic is the Java kernel's, operation for operation, so the two give the same bits:
 *   - scores: full tiles of 64 tokens, four query heads at a time, per key dimension one FMA into 16 accumulators,
 *     in chains of 64 dimensions (the first chain stores the score row, later ones add to it); partial tiles one
 *     head and 16 tokens at a time in two interleaved chains (even and odd dimensions) per 64 dimensions;
 *   - softmax: e^(s - max) by Cody-Waite reduction and a degree-7 Taylor polynomial (SoftmaxExp), the tile's sum in
 *     lane order, the running sum rescaled by (float) exp((double) (m_old - m_new));
 *   - values: per output element, the tile's weighted sum from zero in token order, then added to the accumulator.
 * bf16 is widened as the Java kernel widens it, by a shift and a mask per 32 values with no conversion instruction:
 * a full tile's scores come out in paired order (per 32 tokens the 16 even ones, then the 16 odd) and the output
 * accumulators hold per 32 dimensions the even ones, then the odd, until the task puts them back in order.
 * Built with -ffp-contract=off: a contracted a*b+c anywhere would change the bits.
 */
#include <immintrin.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define TILE 64     /* tokens per tile, as SplitKvDecodeCpu.TILE */
#define D_BLOCK 64  /* key dimensions per FMA chain, as SplitKvDecodeCpuDimMajor.D_BLOCK */
#define LANES 16

#pragma GCC push_options
#pragma GCC target("avx512f,avx512bw,avx512vl,fma")
#include "kiln_cpu.h"

#define ODD_HALF 0xFFFF0000u

/* Score slot of token j in a paired bf16 tile (SplitKvDecodeCpuDimMajor.PAIRED). */
static inline int paired_slot(int j) { return (j / 32) * 32 + (j % 2) * 16 + (j % 32) / 2; }

/* e^x for x = s - max <= 0, exactly as SoftmaxExp.expInPlace computes it lane by lane. */
static inline __m512 exp_nonpositive(__m512 x) {
    const __m512 lowest = _mm512_set1_ps(-87.3f);
    __mmask16 underflow = _mm512_cmp_ps_mask(x, lowest, _CMP_LT_OQ);
    __m512 xc = _mm512_max_ps(lowest, x); /* x second: MAXPS returns its second operand when one is NaN, so NaN stays NaN */
    __m512i k = _mm512_cvttps_epi32(_mm512_sub_ps(_mm512_mul_ps(xc, _mm512_set1_ps(1.44269504088896341f)), _mm512_set1_ps(0.5f)));
    __m512 kf = _mm512_cvtepi32_ps(k);
    __m512 r = _mm512_fmadd_ps(kf, _mm512_set1_ps(-1.42860682030941723e-6f), _mm512_fmadd_ps(kf, _mm512_set1_ps(-0.693145751953125f), xc));
    __m512 p = _mm512_fmadd_ps(_mm512_set1_ps(1.0f / 5040), r, _mm512_set1_ps(1.0f / 720));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 120));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 24));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 6));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(0.5f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f));
    __m512 scale = _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_add_epi32(k, _mm512_set1_epi32(127)), 23));
    return _mm512_mask_blend_ps(underflow, _mm512_mul_ps(p, scale), _mm512_setzero_ps());
}

/* Byte address of element i of a K or V pool of `es`-byte elements. */
static inline const char *at(const void *base, long i, int es) { return (const char *) base + i * es; }

/*
 * Four fp32 vectors from 64 stored values at p: fp32 in order, or bf16 widened by shift and mask (even values of
 * the first 32, odd ones, even of the second 32, odd ones).
 */
static inline __attribute__((always_inline)) void load64(const char *p, int bf16, __m512 *x0, __m512 *x1, __m512 *x2, __m512 *x3) {
    if (bf16) {
        __m512i w = _mm512_loadu_si512(p), x = _mm512_loadu_si512(p + 64), odd = _mm512_set1_epi32((int) ODD_HALF);
        *x0 = _mm512_castsi512_ps(_mm512_slli_epi32(w, 16));
        *x1 = _mm512_castsi512_ps(_mm512_and_si512(w, odd));
        *x2 = _mm512_castsi512_ps(_mm512_slli_epi32(x, 16));
        *x3 = _mm512_castsi512_ps(_mm512_and_si512(x, odd));
    } else {
        const float *f = (const float *) p;
        *x0 = _mm512_loadu_ps(f);
        *x1 = _mm512_loadu_ps(f + 16);
        *x2 = _mm512_loadu_ps(f + 32);
        *x3 = _mm512_loadu_ps(f + 48);
    }
}

/* The first `count` values at p (mask m) as fp32, zeros beyond; never reads past them. */
static inline __m512 load_partial(const char *p, int bf16, __mmask16 m) {
    if (!bf16) return _mm512_maskz_loadu_ps(m, p);
    __m512i wide = _mm512_cvtepu16_epi32(_mm256_maskz_loadu_epi16(m, p));
    return _mm512_castsi512_ps(_mm512_slli_epi32(wide, 16));
}

/*
 * Scores of query heads g0..g0+3 over key dimensions [d0, d1) for a full tile; k points at the tile's first key
 * of dimension 0, rows are `row` elements apart. next_k, when not NULL, is the next tile's key (same row stride):
 * its row d is prefetched while row d is computed. bf16 scores come out in paired order.
 */
static inline __attribute__((always_inline)) void scores4x64(const float *qs, int g0, int dk, int d0, int d1, const void *k,
                                                             long row, float *sc, int first, const void *next_k, int bf16) {
    int es = bf16 ? 2 : 4;
    const float *q0 = qs + (long) g0 * dk, *q1 = q0 + dk, *q2 = q1 + dk, *q3 = q2 + dk;
    __m512 a0 = _mm512_setzero_ps(), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
    __m512 c0 = a0, c1 = a0, c2 = a0, c3 = a0, e0 = a0, e1 = a0, e2 = a0, e3 = a0;
    for (int d = d0; d < d1; d++) {
        if (next_k) prefetch_row(at(next_k, d * row, es), bf16);
        __m512 k0, k1, k2, k3;
        load64(at(k, d * row, es), bf16, &k0, &k1, &k2, &k3);
        __m512 w = _mm512_set1_ps(q0[d]);
        a0 = _mm512_fmadd_ps(k0, w, a0); a1 = _mm512_fmadd_ps(k1, w, a1); a2 = _mm512_fmadd_ps(k2, w, a2); a3 = _mm512_fmadd_ps(k3, w, a3);
        w = _mm512_set1_ps(q1[d]);
        b0 = _mm512_fmadd_ps(k0, w, b0); b1 = _mm512_fmadd_ps(k1, w, b1); b2 = _mm512_fmadd_ps(k2, w, b2); b3 = _mm512_fmadd_ps(k3, w, b3);
        w = _mm512_set1_ps(q2[d]);
        c0 = _mm512_fmadd_ps(k0, w, c0); c1 = _mm512_fmadd_ps(k1, w, c1); c2 = _mm512_fmadd_ps(k2, w, c2); c3 = _mm512_fmadd_ps(k3, w, c3);
        w = _mm512_set1_ps(q3[d]);
        e0 = _mm512_fmadd_ps(k0, w, e0); e1 = _mm512_fmadd_ps(k1, w, e1); e2 = _mm512_fmadd_ps(k2, w, e2); e3 = _mm512_fmadd_ps(k3, w, e3);
    }
    __m512 acc[16] = {a0, a1, a2, a3, b0, b1, b2, b3, c0, c1, c2, c3, e0, e1, e2, e3};
    for (int h = 0; h < 4; h++) {
        for (int i = 0; i < 4; i++) {
            float *o = sc + (long) (g0 + h) * TILE + i * LANES;
            __m512 x = acc[h * 4 + i];
            _mm512_storeu_ps(o, first ? x : _mm512_add_ps(x, _mm512_loadu_ps(o)));
        }
    }
}

/* Scores of one query head for the tile's first n tokens (any n <= TILE), 16 tokens at a time (scores1 in Java). */
static void scores1(const float *qs, int g, int dk, const void *k, long row, int n, float *sc, int bf16) {
    int es = bf16 ? 2 : 4;
    const float *q = qs + (long) g * dk;
    for (int i = 0; i < n; i += LANES) {
        int count = n - i < LANES ? n - i : LANES;
        __mmask16 m = (__mmask16) ((1u << count) - 1u);
        __m512 total = _mm512_setzero_ps();
        for (int d0 = 0; d0 < dk; d0 += D_BLOCK) {
            __m512 a0 = _mm512_setzero_ps(), a1 = a0;
            int d = d0, end = dk < d0 + D_BLOCK ? dk : d0 + D_BLOCK;
            for (; d + 2 <= end; d += 2) {
                a0 = _mm512_fmadd_ps(load_partial(at(k, d * row + i, es), bf16, m), _mm512_set1_ps(q[d]), a0);
                a1 = _mm512_fmadd_ps(load_partial(at(k, (d + 1) * row + i, es), bf16, m), _mm512_set1_ps(q[d + 1]), a1);
            }
            if (d < end) a0 = _mm512_fmadd_ps(load_partial(at(k, d * row + i, es), bf16, m), _mm512_set1_ps(q[d]), a0);
            total = _mm512_add_ps(total, _mm512_add_ps(a0, a1));
        }
        _mm512_mask_storeu_ps(sc + (long) g * TILE + i, m, total);
    }
}

/* The online-softmax step of every head of the group over the tile's n scores (SplitKvDecodeCpu.softmaxTile). */
static void softmax_tile(float *sc, int group, int n, float *m, float *sum, float *acc, int dv) {
    int span = (n + LANES - 1) / LANES * LANES;
    for (int g = 0; g < group; g++) {
        float *s = sc + (long) g * TILE;
        for (int j = n; j < span; j++) s[j] = -INFINITY;
        __m512 mx = _mm512_set1_ps(-INFINITY);
        __mmask16 nan = 0;
        for (int j = 0; j < span; j += LANES) {
            __m512 x = _mm512_loadu_ps(s + j);
            nan |= _mm512_cmp_ps_mask(x, x, _CMP_UNORD_Q);
            mx = _mm512_max_ps(mx, x);
        }
        /* MAXPS drops a NaN that is not its second operand; Java's max keeps it, and so must this max */
        float tile_max = nan ? NAN : _mm512_reduce_max_ps(mx);
        float m_new = isnan(m[g]) || isnan(tile_max) ? NAN : m[g] > tile_max ? m[g] : tile_max;
        __m512 mv = _mm512_set1_ps(m_new), total = _mm512_setzero_ps();
        for (int j = 0; j < span; j += LANES) {
            __m512 p = exp_nonpositive(_mm512_sub_ps(_mm512_loadu_ps(s + j), mv));
            _mm512_storeu_ps(s + j, p);
            total = _mm512_add_ps(total, p);
        }
        float lanes[LANES], tile_sum = 0;
        _mm512_storeu_ps(lanes, total);
        for (int i = 0; i < LANES; i++) tile_sum += lanes[i];
        if (m_new > m[g] || isnan(m_new)) { /* as in Java: a NaN max makes alpha, the sum and acc NaN */
            float alpha = (float) exp((double) (m[g] - m_new));
            sum[g] = sum[g] * alpha + tile_sum;
            if (alpha != 1.0f) {
                float *a = acc + (long) g * dv;
                for (int d = 0; d < dv; d += LANES) _mm512_storeu_ps(a + d, _mm512_mul_ps(_mm512_loadu_ps(a + d), _mm512_set1_ps(alpha)));
            }
            m[g] = m_new;
        } else {
            sum[g] += tile_sum;
        }
    }
}

/*
 * acc[g0..g0+3][c .. c+64) += sum_j p[g][slot[j]] * v_j[c .. c+64): the tile's sum starts from zero in token order
 * and is added to acc at the end (bf16: into the paired accumulator layout). slot maps a token to its score (paired
 * after bf16 full-tile scores, identity otherwise). next_v, when not NULL, is the next tile's value row 0 (same
 * stride); row j's segment is prefetched while row j is read.
 */
static inline __attribute__((always_inline)) void accumulate4x64(const float *p, const int *slot, int g0, int n, const void *v,
                                                                 long row, int c, int dv, float *acc, const void *next_v, int bf16) {
    int es = bf16 ? 2 : 4;
    const float *p0 = p + (long) g0 * TILE, *p1 = p0 + TILE, *p2 = p1 + TILE, *p3 = p2 + TILE;
    __m512 a0 = _mm512_setzero_ps(), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
    __m512 c0 = a0, c1 = a0, c2 = a0, c3 = a0, e0 = a0, e1 = a0, e2 = a0, e3 = a0;
    for (int j = 0; j < n; j++) {
        if (next_v) prefetch_row(at(next_v, j * row + c, es), bf16);
        __m512 v0, v1, v2, v3;
        load64(at(v, j * row + c, es), bf16, &v0, &v1, &v2, &v3);
        int at_j = slot[j];
        __m512 w = _mm512_set1_ps(p0[at_j]);
        a0 = _mm512_fmadd_ps(v0, w, a0); a1 = _mm512_fmadd_ps(v1, w, a1); a2 = _mm512_fmadd_ps(v2, w, a2); a3 = _mm512_fmadd_ps(v3, w, a3);
        w = _mm512_set1_ps(p1[at_j]);
        b0 = _mm512_fmadd_ps(v0, w, b0); b1 = _mm512_fmadd_ps(v1, w, b1); b2 = _mm512_fmadd_ps(v2, w, b2); b3 = _mm512_fmadd_ps(v3, w, b3);
        w = _mm512_set1_ps(p2[at_j]);
        c0 = _mm512_fmadd_ps(v0, w, c0); c1 = _mm512_fmadd_ps(v1, w, c1); c2 = _mm512_fmadd_ps(v2, w, c2); c3 = _mm512_fmadd_ps(v3, w, c3);
        w = _mm512_set1_ps(p3[at_j]);
        e0 = _mm512_fmadd_ps(v0, w, e0); e1 = _mm512_fmadd_ps(v1, w, e1); e2 = _mm512_fmadd_ps(v2, w, e2); e3 = _mm512_fmadd_ps(v3, w, e3);
    }
    __m512 sums[16] = {a0, a1, a2, a3, b0, b1, b2, b3, c0, c1, c2, c3, e0, e1, e2, e3};
    for (int h = 0; h < 4; h++) {
        for (int i = 0; i < 4; i++) {
            float *o = acc + (long) (g0 + h) * dv + c + i * LANES;
            _mm512_storeu_ps(o, _mm512_add_ps(sums[h * 4 + i], _mm512_loadu_ps(o)));
        }
    }
}

/* Puts paired accumulators (per 32 values: 16 even, then 16 odd) back in order (SplitKvDecodeCpuDimMajor.unpairDims). */
static void unpair(float *acc, long length) {
    float block[32];
    for (long base = 0; base < length; base += 32) {
        for (int i = 0; i < 16; i++) {
            block[2 * i] = acc[base + i];
            block[2 * i + 1] = acc[base + 16 + i];
        }
        memcpy(acc + base, block, sizeof block);
    }
}

/* One KV head's n tokens of one page: scores, the online-softmax step, the V accumulation. */
static inline __attribute__((always_inline)) void tile(const float *qh, int group, int dk, int dv, const void *k, long k_row,
                                                       const void *v, long v_row, int n, const void *next_k, const void *next_v,
                                                       float *sc, float *mh, float *sh, float *ah, const int *natural,
                                                       const int *paired, int bf16) {
    if (n == TILE) {
        for (int g = 0; g < group; g += 4) {
            for (int d0 = 0; d0 < dk; d0 += D_BLOCK) {
                int d1 = dk < d0 + D_BLOCK ? dk : d0 + D_BLOCK;
                scores4x64(qh, g, dk, d0, d1, k, k_row, sc, d0 == 0, g == 0 ? next_k : NULL, bf16);
            }
        }
    } else {
        for (int g = 0; g < group; g++) scores1(qh, g, dk, k, k_row, n, sc, bf16);
    }
    softmax_tile(sc, group, n, mh, sh, ah, dv);
    const int *slot = bf16 && n == TILE ? paired : natural;
    for (int g = 0; g < group; g += 4) {
        for (int c = 0; c < dv; c += 64) accumulate4x64(sc, slot, g, n, v, v_row, c, dv, ah, g == 0 ? next_v : NULL, bf16);
    }
}

/* The two specialisations: with bf16 a constant, the compiler drops the other element type's loads. */
static void tile_f32(const float *qh, int group, int dk, int dv, const void *k, long k_row, const void *v, long v_row, int n,
                     const void *next_k, const void *next_v, float *sc, float *mh, float *sh, float *ah, const int *natural,
                     const int *paired) {
    tile(qh, group, dk, dv, k, k_row, v, v_row, n, next_k, next_v, sc, mh, sh, ah, natural, paired, 0);
}

static void tile_bf16(const float *qh, int group, int dk, int dv, const void *k, long k_row, const void *v, long v_row, int n,
                      const void *next_k, const void *next_v, float *sc, float *mh, float *sh, float *ah, const int *natural,
                      const int *paired) {
    tile(qh, group, dk, dv, k, k_row, v, v_row, n, next_k, next_v, sc, mh, sh, ah, natural, paired, 1);
}

/*
 * One task of SplitKvDecodeCpuDimMajor: sequence b, split `split`, tokens [t0, t1), every KV head of each page
 * before the next page. Keys are [page][kvHead][dk][blockSize], values [page][kvHead][blockSize][vStride], elements
 * fp32 (dtype 0) or bf16 (dtype 1); the task writes the partial (O, LSE) of every query head of the sequence for
 * this split. Needs a group (hq / hkv) that is a multiple of 4 and dv a multiple of 64.
 */
int kiln_split_kv_decode_dim_major(const float *q, const void *k_pool, const void *v_pool, const int32_t *table,
                                   float *out_o, float *out_lse, int32_t b, int32_t split, int32_t t0, int32_t t1,
                                   int32_t hq, int32_t hkv, int32_t dk, int32_t dv, int32_t v_stride, int32_t block_size,
                                   int32_t max_blocks, int32_t splits, int32_t dtype, float scale) {
    if (hkv <= 0 || hq % hkv != 0 || (hq / hkv) % 4 != 0 || dk <= 0 || dv <= 0 || dv % 64 != 0 || v_stride < dv
        || block_size <= 0 || splits <= 0 || t0 < 0 || t1 < t0 || (dtype != 0 && dtype != 1)) {
        return KILN_CPU_BAD_ARGUMENT;
    }
    int group = hq / hkv, bf16 = dtype == 1, es = bf16 ? 2 : 4;
    long q_floats = (long) hq * dk, acc_floats = (long) hq * dv;
    float *scratch = malloc(sizeof(float) * (q_floats + acc_floats + 2L * hq + (long) group * TILE));
    if (!scratch) return KILN_CPU_NO_MEMORY;
    float *qs = scratch, *acc = qs + q_floats, *m = acc + acc_floats, *sum = m + hq, *sc = sum + hq;
    for (long i = 0; i < q_floats; i++) qs[i] = q[(long) b * hq * dk + i] * scale;
    memset(acc, 0, sizeof(float) * acc_floats);
    for (int h = 0; h < hq; h++) { m[h] = -INFINITY; sum[h] = 0; }
    int natural[TILE], paired[TILE];
    for (int j = 0; j < TILE; j++) { natural[j] = j; paired[j] = paired_slot(j); }

    long k_row = block_size, v_row = v_stride;
    long k_head = (long) dk * block_size, v_head = (long) block_size * v_stride; /* elements per KV head of a page */
    for (int t = t0; t < t1; ) {
        int block = t / block_size, slot = t % block_size;
        int n = block_size - slot < t1 - t ? block_size - slot : t1 - t;
        if (n > TILE) n = TILE;
        long page = table[(long) b * max_blocks + block];
        /* The tile after the last KV head of this page: the first KV head of the next one, if the split goes on. */
        const void *after_k = NULL, *after_v = NULL;
        if (t + n < t1) {
            int nt = t + n;
            long next_page = table[(long) b * max_blocks + nt / block_size];
            after_k = at(k_pool, next_page * hkv * k_head + nt % block_size, es);
            after_v = at(v_pool, (next_page * hkv * block_size + nt % block_size) * v_row, es);
        }
        for (int kvh = 0; kvh < hkv; kvh++) {
            long head = page * hkv + kvh;
            const void *k = at(k_pool, head * k_head + slot, es);
            const void *v = at(v_pool, (head * block_size + slot) * v_row, es);
            const void *next_k = kvh + 1 < hkv ? at(k, k_head, es) : after_k;
            const void *next_v = kvh + 1 < hkv ? at(v, v_head, es) : after_v;
            const float *qh = qs + (long) kvh * group * dk;
            float *ah = acc + (long) kvh * group * dv, *mh = m + kvh * group, *sh = sum + kvh * group;
            (bf16 ? tile_bf16 : tile_f32)(qh, group, dk, dv, k, k_row, v, v_row, n, next_k, next_v, sc, mh, sh, ah, natural, paired);
        }
        t += n;
    }
    if (bf16) unpair(acc, acc_floats);

    for (int h = 0; h < hq; h++) {
        long state = ((long) b * hq + h) * splits + split;
        int empty = sum[h] == 0; /* only an empty split sums to 0; a NaN sum stays NaN (DecodeArgs.writeStates) */
        float inv = empty ? 0.0f : 1.0f / sum[h];
        for (int d = 0; d < dv; d++) out_o[state * dv + d] = acc[(long) h * dv + d] * inv;
        out_lse[state] = empty ? -INFINITY : m[h] + (float) log((double) sum[h]);
    }
    free(scratch);
    return KILN_CPU_OK;
}

#pragma GCC pop_options
