/**
 * Decode attention: split-KV attention over a paged KV cache returning (O, LSE)
 * ({@link dev.kiln.attention.SplitKvDecodeAttention}, {@link dev.kiln.attention.AttentionState}), the exact
 * LSE merge, Helix KV-parallel attention ({@link dev.kiln.attention.helix}) and the Helix decoder
 * ({@link dev.kiln.attention.model}).
 */
module dev.kiln.attention {
    requires transitive dev.kiln.core;
    requires transitive dev.kiln.collective;
    requires jdk.incubator.vector;

    exports dev.kiln.attention;
    exports dev.kiln.attention.helix;
    exports dev.kiln.attention.model;

    provides dev.kiln.device.cpu.CpuKernelLibrary with dev.kiln.attention.cpu.AttentionCpuKernels;
}
