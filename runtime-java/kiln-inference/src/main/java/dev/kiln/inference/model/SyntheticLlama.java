package dev.kiln.inference.model;

import dev.kiln.device.cpu.CpuParallel;
import dev.kiln.inference.tensor.Checkpoint;
import dev.kiln.inference.tensor.Metadata;
import dev.kiln.inference.tensor.Tensor;
import dev.kiln.inference.tensor.TensorType;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A Llama-shaped checkpoint with random weights in native memory, for decode benchmarks at real sizes (no real
 * checkpoint can be downloaded here). Every matrix lies in one 64-byte-aligned allocation, so the read ceiling can be
 * measured on the very bytes the decode reads. Quantized blocks get random codes and a small fp16 scale; the values
 * do not matter to the time, only the bytes.
 */
public final class SyntheticLlama implements Checkpoint {
    /** Llama 3.2 1B: 2048 wide, 16 layers, 32/8 heads, FFN 8192, vocab 128256, tied embeddings. */
    public static final LlamaConfig LLAMA_3_2_1B = new LlamaConfig(128256, 2048, 16, 32, 8, 8192, 131072, 64, 500000, 1e-5, true, true);

    private final Arena arena = Arena.ofShared();
    private final Map<String, Tensor> tensors = new LinkedHashMap<>();
    private final Metadata metadata;
    private final MemorySegment all;

    public SyntheticLlama(LlamaConfig c, TensorType type, long seed) {
        int d = c.dim(), kd = c.kvHeads() * c.headDim();
        Map<String, long[]> matrices = new LinkedHashMap<>();
        matrices.put("token_embd.weight", new long[]{c.vocab(), d});
        for (int l = 0; l < c.layers(); l++) {
            String p = "blk." + l + ".";
            matrices.put(p + "attn_q.weight", new long[]{d, d});
            matrices.put(p + "attn_k.weight", new long[]{kd, d});
            matrices.put(p + "attn_v.weight", new long[]{kd, d});
            matrices.put(p + "attn_output.weight", new long[]{d, d});
            matrices.put(p + "ffn_gate.weight", new long[]{c.ffn(), d});
            matrices.put(p + "ffn_up.weight", new long[]{c.ffn(), d});
            matrices.put(p + "ffn_down.weight", new long[]{d, c.ffn()});
        }
        long total = 0;
        for (long[] s : matrices.values()) total += align(type.byteSize(s[0] * s[1]));
        this.all = arena.allocate(total, 64);
        fill(all, type, seed);
        long at = 0;
        for (Map.Entry<String, long[]> e : matrices.entrySet()) {
            long bytes = type.byteSize(e.getValue()[0] * e.getValue()[1]);
            tensors.put(e.getKey(), new Tensor(e.getKey(), type, e.getValue(), all.asSlice(at, bytes)));
            at += align(bytes);
        }
        MemorySegment norms = arena.allocate((long) (2 * c.layers() + 1) * d * Float.BYTES, 64);
        for (long i = 0; i < norms.byteSize() / 4; i++) norms.setAtIndex(ValueLayout.JAVA_FLOAT, i, 1f);
        for (int l = 0; l <= 2 * c.layers(); l++) {
            String name = l == 2 * c.layers() ? "output_norm.weight" : "blk." + l / 2 + (l % 2 == 0 ? ".attn_norm.weight" : ".ffn_norm.weight");
            tensors.put(name, new Tensor(name, TensorType.F32, new long[]{d}, norms.asSlice((long) l * d * 4, (long) d * 4)));
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("general.architecture", "llama");
        this.metadata = new Metadata("synthetic", m);
    }

    private static long align(long bytes) { return Math.ceilDiv(bytes, 64) * 64; }

    /** Random contents, in parallel: codes for quantized blocks with an fp16 scale of 2⁻⁸, small normals for floats. */
    private static void fill(MemorySegment seg, TensorType type, long seed) {
        long chunk = 1 << 20;
        CpuParallel.forRange(Math.ceilDiv(seg.byteSize(), chunk), 1, (from, to) -> {
            for (long c = from; c < to; c++) {
                SplittableRandom r = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + c);
                long end = Math.min(seg.byteSize(), (c + 1) * chunk);
                for (long i = c * chunk; i + 8 <= end; i += 8) seg.set(ValueLayout.JAVA_LONG_UNALIGNED, i, r.nextLong());
                if (type == TensorType.F32 || type == TensorType.F16 || type == TensorType.BF16) {
                    // raw random bits would hold NaN and infinities; small values instead
                    for (long i = c * chunk; i + type.blockBytes() <= end; i += type.blockBytes()) {
                        float v = (float) ((r.nextDouble() - 0.5) * 0.05);
                        switch (type) {
                            case F32 -> seg.set(ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), i, v);
                            case F16 -> seg.set(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), i, Float.floatToFloat16(v));
                            default -> seg.set(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), i, (short) (Float.floatToRawIntBits(v) >>> 16));
                        }
                    }
                }
            }
        });
        if (type.quantized()) {
            short scale = Float.floatToFloat16(1f / 256);
            ValueLayout.OfShort le16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);   // once: a layout per block cost seconds
            for (long b = 0; b + type.blockBytes() <= seg.byteSize(); b += type.blockBytes()) seg.set(le16, b, scale);
        }
    }

    /** Every matrix's bytes, contiguous: what a decode step reads and the read ceiling is measured on. */
    public MemorySegment weights() { return all; }

    @Override public Path path() { return Path.of("synthetic"); }

    @Override public Metadata metadata() { return metadata; }

    @Override public Map<String, Tensor> tensors() { return Collections.unmodifiableMap(tensors); }

    @Override public void close() { arena.close(); }
}
