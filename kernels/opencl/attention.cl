/*
 * Split-KV decode attention and the N-way attention-state merge, written once for OpenCL and CUDA
 * (kernels/cuda/attention.cu includes this file). Same arguments and results as
 * dev.kiln.attention.cpu.AttentionCpuKernels; the host side is dev.kiln.attention.AttentionKernels.
 *
 * split_kv_decode: one work-group of ATT_GROUP items per (sequence, KV head, split, head block). A
 * head block is as many of the KV head's query heads as fit 16 fp32 accumulators per item
 * (heads * vDim <= ATT_GROUP * 16), so GQA's 4 heads share one pass over K/V; MQA/MLA groups wider
 * than that are cut into head blocks that re-read the KV (from L2 on a GPU). The KV is streamed in
 * tiles of ATT_TILE tokens inside one page: scores for the tile only (online softmax, running max and
 * sum per head in local memory), then every accumulator folds in the tile's V rows.
 */
#include "kiln_portable.h"

#define ATT_GROUP 128
#define ATT_TILE 32
#define ATT_MAX_HEADS 64
#define ATT_ACC 16

#if defined(KILN_OPENCL)
#define BITS_AS_FLOAT(u) as_float(u)
#define NEG_INF (-INFINITY)
#else
#define BITS_AS_FLOAT(u) __uint_as_float(u)
#define NEG_INF (-__int_as_float(0x7f800000))
#endif

/* max that keeps a NaN from either side, as IEEE arithmetic on the scores would (fmax drops it). */
DEVICE_FN float nan_max(float a, float b) { return (a > b || a != a) ? a : b; }

/* Element i of a K/V pool that holds fp32 (dtype 0) or bf16 (dtype 1). */
DEVICE_FN float kv_load(GLOBAL const float* pool, long i, int dtype) {
    if (dtype == 0) return pool[i];
    unsigned int h = ((GLOBAL const unsigned short*) pool)[i];
    return BITS_AS_FLOAT(h << 16);
}

KERNEL void split_kv_decode(GLOBAL const float* RESTRICT q, GLOBAL const float* k_pool, GLOBAL const float* v_pool,
                            GLOBAL const int* RESTRICT block_table, GLOBAL const int* RESTRICT seq_lens,
                            GLOBAL float* RESTRICT out_o, GLOBAL float* RESTRICT out_lse,
                            int batch, int hq, int hkv, int dk, int dv, int block_size, int max_blocks,
                            int splits, int dtype, int v_stride, float scale) {
    LOCAL float s_scores[ATT_MAX_HEADS * ATT_TILE];
    LOCAL float s_max[ATT_MAX_HEADS];
    LOCAL float s_sum[ATT_MAX_HEADS];
    LOCAL float s_alpha[ATT_MAX_HEADS];

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
    if (nh <= 0) return;

    int len = seq_lens[b];
    int chunk = (len + splits - 1) / splits;
    int t0 = min(len, split * chunk), t1 = min(len, t0 + chunk);
    long q_base = ((long) b * hq + (long) kvh * group + h0) * dk;

    float acc[ATT_ACC];
    for (int a = 0; a < ATT_ACC; a++) acc[a] = 0.0f;
    if (t < nh) { s_max[t] = NEG_INF; s_sum[t] = 0.0f; }
    LOCAL_BARRIER();

    for (int pos = t0; pos < t1; ) {
        int blk = pos / block_size, slot = pos % block_size;
        int n = min(ATT_TILE, min(block_size - slot, t1 - pos));
        long page = block_table[(long) b * max_blocks + blk];
        long row = (page * hkv + kvh) * block_size + slot;
        /* scores of the tile: one (head, token) pair per item at a time */
        for (int p = t; p < nh * n; p += ATT_GROUP) {
            int h = p / n, j = p % n;
            long kr = (row + j) * dk;
            long qr = q_base + (long) h * dk;
            /* four partial sums: shorter rounding chains over dk = 576, and independent FMAs */
            float s0 = 0.0f, s1 = 0.0f, s2 = 0.0f, s3 = 0.0f;
            int d = 0;
            for (; d + 4 <= dk; d += 4) {
                s0 = fma(q[qr + d], kv_load(k_pool, kr + d, dtype), s0);
                s1 = fma(q[qr + d + 1], kv_load(k_pool, kr + d + 1, dtype), s1);
                s2 = fma(q[qr + d + 2], kv_load(k_pool, kr + d + 2, dtype), s2);
                s3 = fma(q[qr + d + 3], kv_load(k_pool, kr + d + 3, dtype), s3);
            }
            for (; d < dk; d++) s0 = fma(q[qr + d], kv_load(k_pool, kr + d, dtype), s0);
            s_scores[h * ATT_TILE + j] = ((s0 + s1) + (s2 + s3)) * scale;
        }
        LOCAL_BARRIER();
        /* online softmax per head: new max, rescale factor, weights in place */
        if (t < nh) {
            float m_old = s_max[t], mx = m_old;
            for (int j = 0; j < n; j++) mx = nan_max(mx, s_scores[t * ATT_TILE + j]);
            float alpha = exp(m_old - mx);
            float sum = 0.0f;
            for (int j = 0; j < n; j++) {
                float w = exp(s_scores[t * ATT_TILE + j] - mx);
                s_scores[t * ATT_TILE + j] = w;
                sum += w;
            }
            s_sum[t] = s_sum[t] * alpha + sum;
            s_max[t] = mx;
            s_alpha[t] = alpha;
        }
        LOCAL_BARRIER();
        for (int a = 0; a < ATT_ACC; a++) {
            int e = t + a * ATT_GROUP;
            if (e < nh * dv) {
                int h = e / dv, d = e % dv;
                float x = acc[a] * s_alpha[h];
                for (int j = 0; j < n; j++) x = fma(s_scores[h * ATT_TILE + j], kv_load(v_pool, (row + j) * v_stride + d, dtype), x);
                acc[a] = x;
            }
        }
        LOCAL_BARRIER();
        pos += n;
    }
    for (int a = 0; a < ATT_ACC; a++) {
        int e = t + a * ATT_GROUP;
        if (e < nh * dv) {
            int h = e / dv, d = e % dv;
            long state = ((long) b * hq + (long) kvh * group + h0 + h) * splits + split;
            float l = s_sum[h];
            out_o[state * dv + d] = l == 0.0f ? 0.0f : acc[a] / l; /* only an empty split sums to 0; NaN stays NaN */
        }
    }
    if (t < nh) {
        long state = ((long) b * hq + (long) kvh * group + h0 + t) * splits + split;
        float l = s_sum[t];
        out_lse[state] = l == 0.0f ? NEG_INF : s_max[t] + log(l);
    }
}

/*
 * out[r] = merge of n states: M = max lse_i, w_i = exp(lse_i - M), O = sum w_i O_i / sum w_i,
 * LSE = M + log sum w_i; all shards empty (lse = -inf) gives (0, -inf). State i of row r is at
 * o[o_off + i*o_shard + r*o_row ...] and lse[l_off + i*l_shard + r*l_row]. One item per output element
 * (row, d), so neighbouring items read neighbouring O elements and a GPU gets rows * dim threads, not
 * rows; each item recomputes its row's n weights (n is small, the LSEs are shared in cache), in the same
 * order as a per-row loop would, so the result does not depend on the launch shape.
 */
KERNEL void merge_states(GLOBAL const float* o, GLOBAL const float* lse, GLOBAL float* RESTRICT out_o, GLOBAL float* RESTRICT out_lse,
                         int n, int rows, int dim, int o_off, int o_shard, int o_row, int l_off, int l_shard, int l_row) {
    long e = (long) global_id(0);
    if (e >= (long) rows * dim) return;
    int r = (int) (e / dim), d = (int) (e % dim);
    float mx = NEG_INF;
    for (int i = 0; i < n; i++) mx = nan_max(mx, lse[l_off + (long) i * l_shard + (long) r * l_row]);
    if (mx == NEG_INF) {
        out_o[e] = 0.0f;
        if (d == 0) out_lse[r] = NEG_INF;
        return;
    }
    float sum = 0.0f, x = 0.0f;
    for (int i = 0; i < n; i++) {
        float w = exp(lse[l_off + (long) i * l_shard + (long) r * l_row] - mx);
        sum += w;
        x = fma(w, o[o_off + (long) i * o_shard + (long) r * o_row + d], x);
    }
    out_o[e] = x * (1.0f / sum);
    if (d == 0) out_lse[r] = mx + log(sum);
}
