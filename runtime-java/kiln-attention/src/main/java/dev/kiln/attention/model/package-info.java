/**
 * The Helix decoder: transformer layers whose attention runs KV-parallel and whose FFN re-purposes the same ranks
 * as tensor parallel (or TPF x EP for mixture-of-experts), with HOP-B overlap.
 *
 * <pre>{@code
 * ModelShape model = ModelShape.llama8b();
 * HelixDecoder.Config c = new HelixDecoder.Config(model, HelixMapping.of(4, 2, model.qHeads(), model.kvHeads()),
 *         KvDtype.BF16, 64, 1, 1, true, 0, 42, 70_000);
 * try (HelixDecoder decoder = new HelixDecoder(device, c)) {
 *     decoder.prefillSynthetic(65_536, 7);
 *     float[] logits = decoder.step(new int[]{1});
 * }
 * }</pre>
 */
package dev.kiln.attention.model;
