/*
 * Flash-Decoding-style decode attention, written once for OpenCL and CUDA (kernels/cuda/flash_decode.cu
 * includes this file). The arguments of split_kv_decode in attention.cl (less dtype, which picks the entry
 * point) and the same partial states, so the same merge_states kernel combines the splits on the device
 * (dev.kiln.attention.DecodeKernel.FLASH).
 *
 * One work-group of FD_WARPS x FD_LANES items per (sequence, KV head, split, head block). The KV is
 * streamed in tiles of FD_TILE tokens inside one page:
 *   1. scores: warp w takes tokens w, w + FD_WARPS, ...; its 32 lanes read each K row together (lane l
 *      reads dims l, l + 32, ...: one coalesced row per warp step) and every head of the block uses that
 *      row, so K is read once per head group. The 32 partial dot products per (head, token) are summed
 *      with warp shuffles on CUDA; OpenCL has no portable sub-groups (PoCL offers none), so there the
 *      lanes write them to local memory and one item per (head, token) adds them up after one barrier.
 *   2. online softmax: item h owns head h's running max and sum in registers; the tile's rescale factor
 *      goes through local memory to the V phase.
 *   3. V: item t owns output elements t, t + 128, ... of the block's heads, so a tile's V rows are read
 *      contiguously by neighbouring items (coalesced), once per head group.
 * q of the block's heads is staged in local memory once. fp32 and bf16 KV are two entry points over one
 * body, so the element type is a constant in each and the inner loops carry no dtype branch.
 *
 * On a CPU device (KILN_CPU_DEVICE, which the OpenCL backend defines when it builds for CL_DEVICE_TYPE_CPU,
 * e.g. PoCL) the same entry points run a CPU-shaped body instead (FD_LANES == 1): one work-item, alone in
 * its work-group, owns a whole (sequence, KV head, split, head block) task. PoCL runs a work-group's items
 * one after another and vectorises across them only in simple loops, so lanes striding a row buy nothing
 * there; explicit 16-wide vectors (vload16, float16 arithmetic) map straight to AVX-512 instead. The item
 * reads each K and V row of a tile once, in 64-byte vectors, for all heads of the block (the rows stay in
 * L1 between heads), keeps the running max and sum of every head in registers/private memory, and
 * exponentiates a whole tile of scores as one float16. The host launches one item per group there
 * (AttentionKernels), and the splits are merged on the device by merge_states as on a GPU.
 */
#include "kiln_portable.h"

#if defined(KILN_CPU_DEVICE)
#define FD_LANES 1
#else
#define FD_LANES 32
#endif
#define FD_WARPS 4
#define FD_GROUP (FD_LANES * FD_WARPS)
#define FD_TILE 32
#define FD_MAX_HEADS 16
#define FD_ACC 16
#define FD_Q_ELEMS 2304

/* Fully unrolled loops over constant bounds keep small per-item arrays in registers (CUDA and clang's OpenCL alike). */
#define FD_UNROLL _Pragma("unroll")

#if defined(KILN_OPENCL)
#define FD_BITS_AS_FLOAT(u) as_float(u)
#define FD_NEG_INF (-INFINITY)
#else
#define FD_BITS_AS_FLOAT(u) __uint_as_float(u)
#define FD_NEG_INF (-__int_as_float(0x7f800000))
#endif

/* Element i of a K/V pool of fp32 (bf16 == 0) or bf16 (bf16 == 1); bf16 is a compile-time constant at every call. */
DEVICE_FN float fd_load(GLOBAL const float* pool, long i, int bf16) {
    if (!bf16) return pool[i];
    unsigned int h = ((GLOBAL const unsigned short*) pool)[i];
    return FD_BITS_AS_FLOAT(h << 16);
}

#if FD_LANES == 1
/* ---- CPU-shaped body (KILN_CPU_DEVICE): one work-item per task, 16-wide vectors ---- */
#define FD_CPU_TILE 16      /* tokens per tile: one float16 of scores per head */
#define FD_CPU_MAX_HEADS 16 /* most heads per item (AttentionKernels.FLASH_CPU_MAX_HEADS) */
#define FD_CPU_ACC 4096     /* most heads x vDim accumulators per item (AttentionKernels.FLASH_CPU_ACCUMULATORS) */

/* 16 elements of a K/V pool from element i: fp32, or bf16 widened by a shift (the bits of bf16 are fp32's top half). */
inline float16 fd_load16(GLOBAL const float* pool, long i, int bf16) {
    if (!bf16) return vload16(0, pool + i);
    return as_float16(convert_uint16(vload16(0, (GLOBAL const ushort*) pool + i)) << 16);
}

/* Asks for the 64-byte line holding element i of a pool into L2 (hint 2, as the cpu backend's C kernel does). */
inline void fd_prefetch_line(GLOBAL const float* pool, long i, int bf16) {
    __builtin_prefetch((GLOBAL const char*) pool + i * (bf16 ? 2 : 4), 0, 2);
}

inline float fd_sum16(float16 v) {
    float8 a = v.lo + v.hi;
    float4 b = a.lo + a.hi;
    float2 c = b.lo + b.hi;
    return c.x + c.y;
}

/* max over the 16 lanes; a NaN score need not survive it, since exp(NaN - max) carries it into the sum */
inline float fd_max16(float16 v) {
    float8 a = fmax(v.lo, v.hi);
    float4 b = fmax(a.lo, a.hi);
    float2 c = fmax(b.lo, b.hi);
    return fmax(c.x, c.y);
}

inline void fd_body(GLOBAL const float* RESTRICT q, GLOBAL const float* k_pool, GLOBAL const float* v_pool,
                    GLOBAL const int* RESTRICT block_table, GLOBAL const int* RESTRICT seq_lens,
                    GLOBAL float* RESTRICT out_o, GLOBAL float* RESTRICT out_lse,
                    int batch, int hq, int hkv, int dk, int dv, int block_size, int max_blocks,
                    int splits, int v_stride, float scale, int bf16) {
    int group = hq / hkv;
    int tasks = batch * hkv * splits;
    int head_blocks = (int) (global_size(0) / (size_t) tasks);
    int heads_per_block = (group + head_blocks - 1) / head_blocks;
    int gid = (int) global_id(0);
    int hb = gid / tasks, task = gid % tasks;
    int split = task % splits, kvh = (task / splits) % hkv, b = task / (splits * hkv);
    int h0 = hb * heads_per_block;
    int nh = min(heads_per_block, group - h0);
    if (nh <= 0) return;

    int len = seq_lens[b];
    int chunk = (len + splits - 1) / splits;
    int t0 = min(len, split * chunk), t1 = min(len, t0 + chunk);
    GLOBAL const float* qb = q + ((long) b * hq + (long) kvh * group + h0) * dk;
    int dk16 = dk & ~15, dv16 = dv & ~15;

    float acc[FD_CPU_ACC];                        /* head h's output at acc[h * dv ...] */
    float w[FD_CPU_MAX_HEADS * FD_CPU_TILE];      /* the tile's scores, then its weights, per head */
    float m_run[FD_CPU_MAX_HEADS], l_run[FD_CPU_MAX_HEADS], alpha[FD_CPU_MAX_HEADS];
    for (int i = 0; i < nh * dv; i++) acc[i] = 0.0f;
    for (int h = 0; h < nh; h++) { m_run[h] = FD_NEG_INF; l_run[h] = 0.0f; }

    for (int pos = t0; pos < t1; ) {
        int blk = pos / block_size, slot = pos % block_size;
        int n = min(FD_CPU_TILE, min(block_size - slot, t1 - pos));
        long page = block_table[(long) b * max_blocks + blk];
        long row = (page * hkv + kvh) * block_size + slot;
        /* the next tile's first row (this one's where there is none): its rows are prefetched, one line per load of this tile */
        int next = pos + n;
        int nn = next < t1 ? min(FD_CPU_TILE, min(block_size - next % block_size, t1 - next)) : n;
        long nrow = next < t1 ? ((long) block_table[(long) b * max_blocks + next / block_size] * hkv + kvh) * block_size + next % block_size : row;

        /* 1. scores, four heads at a time in registers: each K row is read once per four heads, two rows at a time */
        for (int hp = 0; hp < nh; hp += 4) {
            /* a group of fewer than four heads repeats its last head: same values, stored twice */
            int h1 = min(hp + 1, nh - 1), h2 = min(hp + 2, nh - 1), h3 = min(hp + 3, nh - 1);
            GLOBAL const float *q0 = qb + (long) hp * dk, *q1 = qb + (long) h1 * dk, *q2 = qb + (long) h2 * dk, *q3 = qb + (long) h3 * dk;
            int j = 0;
            for (; j + 2 <= n; j += 2) {
                long ka = (row + j) * dk, kb = ka + dk;
                long pa = (nrow + min(j, nn - 1)) * dk, pb = (nrow + min(j + 1, nn - 1)) * dk;
                float16 a0 = 0.0f, a1 = 0.0f, a2 = 0.0f, a3 = 0.0f, b0 = 0.0f, b1 = 0.0f, b2 = 0.0f, b3 = 0.0f;
                for (int d = 0; d < dk16; d += 16) {
                    fd_prefetch_line(k_pool, pa + d, bf16);
                    fd_prefetch_line(k_pool, pb + d, bf16);
                    float16 ka16 = fd_load16(k_pool, ka + d, bf16), kb16 = fd_load16(k_pool, kb + d, bf16);
                    float16 qv = vload16(0, q0 + d);
                    a0 = fma(qv, ka16, a0); b0 = fma(qv, kb16, b0);
                    qv = vload16(0, q1 + d);
                    a1 = fma(qv, ka16, a1); b1 = fma(qv, kb16, b1);
                    qv = vload16(0, q2 + d);
                    a2 = fma(qv, ka16, a2); b2 = fma(qv, kb16, b2);
                    qv = vload16(0, q3 + d);
                    a3 = fma(qv, ka16, a3); b3 = fma(qv, kb16, b3);
                }
                float x[8] = {fd_sum16(a0), fd_sum16(a1), fd_sum16(a2), fd_sum16(a3), fd_sum16(b0), fd_sum16(b1), fd_sum16(b2), fd_sum16(b3)};
                for (int d = dk16; d < dk; d++) {
                    float ka1 = fd_load(k_pool, ka + d, bf16), kb1 = fd_load(k_pool, kb + d, bf16);
                    x[0] = fma(q0[d], ka1, x[0]); x[1] = fma(q1[d], ka1, x[1]); x[2] = fma(q2[d], ka1, x[2]); x[3] = fma(q3[d], ka1, x[3]);
                    x[4] = fma(q0[d], kb1, x[4]); x[5] = fma(q1[d], kb1, x[5]); x[6] = fma(q2[d], kb1, x[6]); x[7] = fma(q3[d], kb1, x[7]);
                }
                w[hp * FD_CPU_TILE + j] = x[0] * scale; w[h1 * FD_CPU_TILE + j] = x[1] * scale;
                w[h2 * FD_CPU_TILE + j] = x[2] * scale; w[h3 * FD_CPU_TILE + j] = x[3] * scale;
                w[hp * FD_CPU_TILE + j + 1] = x[4] * scale; w[h1 * FD_CPU_TILE + j + 1] = x[5] * scale;
                w[h2 * FD_CPU_TILE + j + 1] = x[6] * scale; w[h3 * FD_CPU_TILE + j + 1] = x[7] * scale;
            }
            if (j < n) { /* an odd last row */
                long ka = (row + j) * dk;
                float16 a0 = 0.0f, a1 = 0.0f, a2 = 0.0f, a3 = 0.0f;
                for (int d = 0; d < dk16; d += 16) {
                    float16 ka16 = fd_load16(k_pool, ka + d, bf16);
                    a0 = fma(vload16(0, q0 + d), ka16, a0); a1 = fma(vload16(0, q1 + d), ka16, a1);
                    a2 = fma(vload16(0, q2 + d), ka16, a2); a3 = fma(vload16(0, q3 + d), ka16, a3);
                }
                float x0 = fd_sum16(a0), x1 = fd_sum16(a1), x2 = fd_sum16(a2), x3 = fd_sum16(a3);
                for (int d = dk16; d < dk; d++) {
                    float ka1 = fd_load(k_pool, ka + d, bf16);
                    x0 = fma(q0[d], ka1, x0); x1 = fma(q1[d], ka1, x1); x2 = fma(q2[d], ka1, x2); x3 = fma(q3[d], ka1, x3);
                }
                w[hp * FD_CPU_TILE + j] = x0 * scale; w[h1 * FD_CPU_TILE + j] = x1 * scale;
                w[h2 * FD_CPU_TILE + j] = x2 * scale; w[h3 * FD_CPU_TILE + j] = x3 * scale;
            }
        }
        for (int h = 0; h < nh; h++) {
            for (int j = n; j < FD_CPU_TILE; j++) w[h * FD_CPU_TILE + j] = FD_NEG_INF; /* weight exp(-inf) = 0 */
        }
        /* 2. online softmax, one float16 of scores per head */
        for (int h = 0; h < nh; h++) {
            float16 sv = vload16(0, w + h * FD_CPU_TILE);
            float mx = fmax(m_run[h], fd_max16(sv));
            float16 e = exp(sv - mx);
            vstore16(e, 0, w + h * FD_CPU_TILE);
            alpha[h] = exp(m_run[h] - mx);
            l_run[h] = l_run[h] * alpha[h] + fd_sum16(e);
            m_run[h] = mx;
        }
        /* 3. V, four heads at a time in registers: each 16-wide slice of their accumulators takes the tile's rows in turn */
        for (int hp = 0; hp < nh; hp += 4) {
            int h1 = min(hp + 1, nh - 1), h2 = min(hp + 2, nh - 1), h3 = min(hp + 3, nh - 1);
            float *c0 = acc + hp * dv, *c1 = acc + h1 * dv, *c2 = acc + h2 * dv, *c3 = acc + h3 * dv;
            const float *w0 = w + hp * FD_CPU_TILE, *w1 = w + h1 * FD_CPU_TILE, *w2 = w + h2 * FD_CPU_TILE, *w3 = w + h3 * FD_CPU_TILE;
            for (int d = 0; d < dv16; d += 16) {
                float16 x0 = vload16(0, c0 + d) * alpha[hp], x1 = vload16(0, c1 + d) * alpha[h1];
                float16 x2 = vload16(0, c2 + d) * alpha[h2], x3 = vload16(0, c3 + d) * alpha[h3];
                for (int j = 0; j < n; j++) {
                    fd_prefetch_line(v_pool, (nrow + min(j, nn - 1)) * v_stride + d, bf16);
                    float16 v = fd_load16(v_pool, (row + j) * v_stride + d, bf16);
                    x0 = fma((float16) w0[j], v, x0); x1 = fma((float16) w1[j], v, x1);
                    x2 = fma((float16) w2[j], v, x2); x3 = fma((float16) w3[j], v, x3);
                }
                /* a repeated head stores the same value again */
                vstore16(x3, 0, c3 + d); vstore16(x2, 0, c2 + d); vstore16(x1, 0, c1 + d); vstore16(x0, 0, c0 + d);
            }
            for (int d = dv16; d < dv; d++) {
                float x0 = c0[d] * alpha[hp], x1 = c1[d] * alpha[h1], x2 = c2[d] * alpha[h2], x3 = c3[d] * alpha[h3];
                for (int j = 0; j < n; j++) {
                    float v = fd_load(v_pool, (row + j) * v_stride + d, bf16);
                    x0 = fma(w0[j], v, x0); x1 = fma(w1[j], v, x1); x2 = fma(w2[j], v, x2); x3 = fma(w3[j], v, x3);
                }
                c3[d] = x3; c2[d] = x2; c1[d] = x1; c0[d] = x0;
            }
        }
        pos += n;
    }
    for (int h = 0; h < nh; h++) {
        long state = ((long) b * hq + (long) kvh * group + h0 + h) * splits + split;
        float l = l_run[h];
        float inv = l == 0.0f ? 0.0f : 1.0f / l;
        for (int d = 0; d < dv; d++) out_o[state * dv + d] = l == 0.0f ? 0.0f : acc[h * dv + d] * inv; /* empty: 0; NaN stays NaN */
        out_lse[state] = l == 0.0f ? FD_NEG_INF : m_run[h] + log(l);
    }
}

/* The two entry points: the same body, the KV element type a constant in each. */
KERNEL void flash_decode_f32(GLOBAL const float* RESTRICT q, GLOBAL const float* k_pool, GLOBAL const float* v_pool,
                 GLOBAL const int* RESTRICT block_table, GLOBAL const int* RESTRICT seq_lens,
                 GLOBAL float* RESTRICT out_o, GLOBAL float* RESTRICT out_lse,
                 int batch, int hq, int hkv, int dk, int dv, int block_size, int max_blocks,
                 int splits, int v_stride, float scale) {
    fd_body(q, k_pool, v_pool, block_table, seq_lens, out_o, out_lse, batch, hq, hkv, dk, dv, block_size, max_blocks,
            splits, v_stride, scale, 0);
}

KERNEL void flash_decode_bf16(GLOBAL const float* RESTRICT q, GLOBAL const float* k_pool, GLOBAL const float* v_pool,
                 GLOBAL const int* RESTRICT block_table, GLOBAL const int* RESTRICT seq_lens,
                 GLOBAL float* RESTRICT out_o, GLOBAL float* RESTRICT out_lse,
                 int batch, int hq, int hkv, int dk, int dv, int block_size, int max_blocks,
                 int splits, int v_stride, float scale) {
    fd_body(q, k_pool, v_pool, block_table, seq_lens, out_o, out_lse, batch, hq, hkv, dk, dv, block_size, max_blocks,
            splits, v_stride, scale, 1);
}

#else
/* ---- GPU-shaped body: FD_WARPS warps of FD_LANES lanes per work-group ---- */
#if defined(KILN_CUDA)
/* Sum over the 32 lanes of a warp; every lane gets the total. */
__device__ inline float fd_warp_sum(float x) {
    for (int o = FD_LANES / 2; o > 0; o >>= 1) x += __shfl_xor_sync(0xffffffffu, x, o);
    return x;
}
#endif

DEVICE_FN void fd_body(GLOBAL const float* RESTRICT q, GLOBAL const float* k_pool, GLOBAL const float* v_pool,
                       GLOBAL const int* RESTRICT block_table, GLOBAL const int* RESTRICT seq_lens,
                       GLOBAL float* RESTRICT out_o, GLOBAL float* RESTRICT out_lse,
                       int batch, int hq, int hkv, int dk, int dv, int block_size, int max_blocks,
                       int splits, int v_stride, float scale, int bf16,
                       LOCAL_ARG(float, s_q), LOCAL_ARG(float, s_scores), LOCAL_ARG(float, s_alpha), LOCAL_ARG(float, s_part)) {
    int group = hq / hkv;
    int tasks = batch * hkv * splits;
    int head_blocks = (int) (num_groups(0) / (size_t) tasks);
    int heads_per_block = (group + head_blocks - 1) / head_blocks;
    int gid = (int) group_id(0);
    int hb = gid / tasks, task = gid % tasks;
    int split = task % splits, kvh = (task / splits) % hkv, b = task / (splits * hkv);
    int h0 = hb * heads_per_block;
    int nh = min(heads_per_block, group - h0);
    int t = (int) local_id(0);
    int lane = t % FD_LANES, warp = t / FD_LANES;
    if (nh <= 0) return; /* uniform over the work-group: no barrier is skipped by some items only */

    int len = seq_lens[b];
    int chunk = (len + splits - 1) / splits;
    int t0 = min(len, split * chunk), t1 = min(len, t0 + chunk);
    long q_base = ((long) b * hq + (long) kvh * group + h0) * dk;
    for (int i = t; i < nh * dk; i += FD_GROUP) s_q[i] = q[q_base + i];

    float m_run = FD_NEG_INF, l_run = 0.0f; /* item h < nh: head h's running max and sum */
    float acc[FD_ACC];
    FD_UNROLL
    for (int a = 0; a < FD_ACC; a++) acc[a] = 0.0f;
    LOCAL_BARRIER();

    for (int pos = t0; pos < t1; ) {
        int blk = pos / block_size, slot = pos % block_size;
        int n = min(FD_TILE, min(block_size - slot, t1 - pos));
        long page = block_table[(long) b * max_blocks + blk];
        long row = (page * hkv + kvh) * block_size + slot;

        /* 1. scores: one K row per warp step, every head of the block against it */
        for (int j = warp; j < n; j += FD_WARPS) {
            float part[FD_MAX_HEADS]; /* constant indices only (unrolled loops), so it stays in registers */
            FD_UNROLL
            for (int h = 0; h < FD_MAX_HEADS; h++) part[h] = 0.0f;
            long kr = (row + j) * dk;
            for (int d = lane; d < dk; d += FD_LANES) {
                float kv = fd_load(k_pool, kr + d, bf16);
                FD_UNROLL
                for (int h = 0; h < FD_MAX_HEADS; h++) if (h < nh) part[h] = fma(s_q[h * dk + d], kv, part[h]);
            }
#if defined(KILN_CUDA)
            FD_UNROLL
            for (int h = 0; h < FD_MAX_HEADS; h++) {
                if (h >= nh) break;
                float s = fd_warp_sum(part[h]);
                if (lane == 0) s_scores[h * FD_TILE + j] = s * scale;
            }
#else
            FD_UNROLL
            for (int h = 0; h < FD_MAX_HEADS; h++) if (h < nh) s_part[(h * FD_TILE + j) * FD_LANES + lane] = part[h];
#endif
        }
        LOCAL_BARRIER();
#if !defined(KILN_CUDA)
        for (int p = t; p < nh * n; p += FD_GROUP) {
            int h = p / n, j = p % n;
            LOCAL const float* pp = s_part + (h * FD_TILE + j) * FD_LANES;
            float s = 0.0f;
            for (int l = 0; l < FD_LANES; l++) s += pp[l];
            s_scores[h * FD_TILE + j] = s * scale;
        }
        LOCAL_BARRIER();
#endif
        /* 2. online softmax: running max and sum of head t stay in item t's registers */
        if (t < nh) {
            float mx = m_run;
            for (int j = 0; j < n; j++) mx = fmax(mx, s_scores[t * FD_TILE + j]);
            float alpha = exp(m_run - mx);
            float sum = 0.0f;
            for (int j = 0; j < n; j++) {
                float w = exp(s_scores[t * FD_TILE + j] - mx);
                s_scores[t * FD_TILE + j] = w;
                sum += w;
            }
            l_run = l_run * alpha + sum;
            m_run = mx;
            s_alpha[t] = alpha;
        }
        LOCAL_BARRIER();
        /* 3. V: neighbouring items read neighbouring elements of each V row */
        FD_UNROLL
        for (int a = 0; a < FD_ACC; a++) {
            int e = t + a * FD_GROUP;
            if (e < nh * dv) {
                int h = e / dv, d = e % dv;
                float x = acc[a] * s_alpha[h];
                for (int j = 0; j < n; j++) x = fma(s_scores[h * FD_TILE + j], fd_load(v_pool, (row + j) * v_stride + d, bf16), x);
                acc[a] = x;
            }
        }
        LOCAL_BARRIER();
        pos += n;
    }
    /* every item needs each head's sum for its outputs: publish it once */
    if (t < nh) s_alpha[t] = l_run;
    LOCAL_BARRIER();
    FD_UNROLL
    for (int a = 0; a < FD_ACC; a++) {
        int e = t + a * FD_GROUP;
        if (e < nh * dv) {
            int h = e / dv, d = e % dv;
            long state = ((long) b * hq + (long) kvh * group + h0 + h) * splits + split;
            float l = s_alpha[h];
            out_o[state * dv + d] = l == 0.0f ? 0.0f : acc[a] / l; /* empty: 0; NaN stays NaN */
        }
    }
    if (t < nh) {
        long state = ((long) b * hq + (long) kvh * group + h0 + t) * splits + split;
        out_lse[state] = l_run == 0.0f ? FD_NEG_INF : m_run + log(l_run);
    }
}

#if defined(KILN_CUDA)
#define FD_PART_DECL float* s_part = 0 /* CUDA sums partial scores with shuffles */
#else
#define FD_PART_DECL LOCAL float s_part[FD_MAX_HEADS * FD_TILE * FD_LANES]
#endif

/* The two entry points: the same body, the KV element type a constant in each. */
KERNEL void flash_decode_f32(GLOBAL const float* RESTRICT q, GLOBAL const float* k_pool, GLOBAL const float* v_pool,
                 GLOBAL const int* RESTRICT block_table, GLOBAL const int* RESTRICT seq_lens,
                 GLOBAL float* RESTRICT out_o, GLOBAL float* RESTRICT out_lse,
                 int batch, int hq, int hkv, int dk, int dv, int block_size, int max_blocks,
                 int splits, int v_stride, float scale) {
    LOCAL float s_q[FD_Q_ELEMS];
    LOCAL float s_scores[FD_MAX_HEADS * FD_TILE];
    LOCAL float s_alpha[FD_MAX_HEADS];
    FD_PART_DECL;
    fd_body(q, k_pool, v_pool, block_table, seq_lens, out_o, out_lse, batch, hq, hkv, dk, dv, block_size, max_blocks,
            splits, v_stride, scale, 0, s_q, s_scores, s_alpha, s_part);
}

KERNEL void flash_decode_bf16(GLOBAL const float* RESTRICT q, GLOBAL const float* k_pool, GLOBAL const float* v_pool,
                 GLOBAL const int* RESTRICT block_table, GLOBAL const int* RESTRICT seq_lens,
                 GLOBAL float* RESTRICT out_o, GLOBAL float* RESTRICT out_lse,
                 int batch, int hq, int hkv, int dk, int dv, int block_size, int max_blocks,
                 int splits, int v_stride, float scale) {
    LOCAL float s_q[FD_Q_ELEMS];
    LOCAL float s_scores[FD_MAX_HEADS * FD_TILE];
    LOCAL float s_alpha[FD_MAX_HEADS];
    FD_PART_DECL;
    fd_body(q, k_pool, v_pool, block_table, seq_lens, out_o, out_lse, batch, hq, hkv, dk, dv, block_size, max_blocks,
            splits, v_stride, scale, 1, s_q, s_scores, s_alpha, s_part);
}
#endif
