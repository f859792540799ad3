/**
 * Decode attention over a paged KV cache. {@link dev.kiln.attention.SplitKvDecodeAttention} returns the output and
 * the log-sum-exp per (sequence, query head); {@link dev.kiln.attention.AttentionState} is that pair as a value
 * whose {@link dev.kiln.attention.AttentionState#merge merge} joins disjoint key segments exactly.
 *
 * <pre>{@code
 * DecodeShape shape = new DecodeShape(8, 2, 64, 64, false);               // GQA: 8 query heads, 2 KV heads
 * try (PagedKvCache cache = new PagedKvCache(device, shape, KvDtype.FP32, 64, 1, 4096)) {
 *     cache.append(0, keys, values, tokens);                              // [tokens][kvHeads][dim] fp32
 *     try (SplitKvDecodeAttention.Result r = SplitKvDecodeAttention.attend(query, cache, scale, 0)) {
 *         // r.output(): [batch][qHeads][vDim], r.lse(): [batch][qHeads]
 *     }
 * }
 * AttentionState whole = firstShard.merge(secondShard);
 * }</pre>
 */
package dev.kiln.attention;
