/**
 * Helix KV-parallel attention (Bhatia et al., arXiv 2507.07120): KVP ranks each hold a part of the sequence,
 * TPA ranks split the heads, one all-to-all exchanges the partial (O, LSE) and each rank merges its heads.
 * {@link dev.kiln.attention.helix.HelixMapping} is the layout every layer consults.
 *
 * <pre>{@code
 * HelixMapping mapping = HelixMapping.of(4, 2, 32, 8);     // KVP 4 x TPA 2, 32 query heads, 8 KV heads
 * }</pre>
 */
package dev.kiln.attention.helix;
