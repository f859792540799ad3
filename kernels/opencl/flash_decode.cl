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
 */
#include "kiln_portable.h"

#define FD_LANES 32
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
