/**
 * Decoders over checkpoints on Kiln's kernels: the char-GPT of {@code kiln train --save} and the Llama family
 * (RMSNorm, RoPE, SwiGLU, GQA, tied or untied head), attention by split-KV decode over a paged KV cache on one rank or
 * Helix KVP x TPA ranks, and a {@link dev.kiln.inference.model.Generator} that streams tokens to a callback.
 *
 * <pre>{@code
 * try (Device cpu = Devices.open("cpu");
 *      Models.Loaded m = Models.load(Path.of("m.safetensors"), AttentionFactory.helix(cpu, 4, 2))) {
 *     Generator.Stats s = new Generator(m.model(), m.tokenizer(), new Sampler(0.8, 0.95, 1))
 *             .generate("In the beginning", 200, (token, text) -> System.out.print(text));
 *     System.out.printf("%n%.1f tokens/s%n", s.decodeTokensPerSecond());
 * }
 * }</pre>
 */
package dev.kiln.inference.model;
