package dev.kiln.attention;

import dev.kiln.device.Device;

/**
 * How a {@link PagedKvCache} page stores one KV head's keys. V is always token-major.
 *
 * <p>GPU kernels want {@link #TOKEN_MAJOR}: a warp reads one key row per token and reduces across lanes
 * for free. A CPU core does not: with token-major keys every score is a horizontal reduction of a SIMD
 * accumulator (about ten shuffle and add instructions per query head and token, on top of the 16 FMAs),
 * and the V pass then walks the page in column strips, which defeats the hardware prefetcher.
 * {@link #DIM_MAJOR} stores a page's keys transposed, {@code [kDim][blockSize]}, so SIMD lanes run over
 * tokens: a score vector for 16 tokens is plain FMAs of broadcast query elements with contiguous key
 * rows, it lands in the layout the softmax wants, and both K and V are read front to back. MLA's latent
 * form keeps token-major keys, because its V is the first {@code vDim} elements of every key row. bf16 caches
 * are dim-major too since the dim-major kernel widens bf16 by a shift and a mask per 32 values (session 4:
 * 17.7–21.1 against 10.0–12.6 GB/s for token-major at S = 64K–256K, {@code kiln helix bench --kv-dtype bf16}).
 */
public enum KeyLayout {
    /** {@code [kvHeads][blockSize][kDim]} per page. */
    TOKEN_MAJOR,
    /** {@code [kvHeads][kDim][blockSize]} per page: keys transposed within the page. */
    DIM_MAJOR;

    /** The layout the device's decode kernel reads fastest: dim-major on the cpu backend (except latent V; bf16 only with AVX-512). */
    public static KeyLayout preferredFor(Device device, DecodeShape shape, KvDtype dtype) {
        if (!"cpu".equals(device.info().backend()) || shape.latentV()) return TOKEN_MAJOR;
        // The dim-major kernel's bf16 path needs 16-lane fp32 vectors; narrower, its fallback loses to token-major.
        boolean avx512 = "512".equals(device.info().properties().get("vectorBits"));
        return dtype == KvDtype.FP32 || avx512 ? DIM_MAJOR : TOKEN_MAJOR;
    }

    /** The option value on the command line: {@code token-major} or {@code dim-major}. */
    public String cliName() { return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-'); }
}
