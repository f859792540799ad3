package dev.kiln.inference.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Values of a tensor as fp32, element by element as ggml defines them: {@code Q8_0} value j of a block is
 * {@code d · q[j]}, {@code Q4_0} value j is {@code d · ((q[j] & 15) − 8)} and value {@code j + 16} is
 * {@code d · ((q[j] >> 4) − 8)}, with {@code d} the block's fp16 scale. Every one of these is exact in fp32.
 */
public final class Dequantize {
    static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private Dequantize() {}

    public static float bf16(short bits) { return Float.intBitsToFloat((bits & 0xffff) << 16); }

    public static float f16(short bits) { return Float.float16ToFloat(bits); }

    /** Values {@code [from, from + count)} of {@code t} (flat index) into {@code out[at ...]}. */
    public static void range(Tensor t, long from, int count, float[] out, int at) {
        MemorySegment d = t.data();
        switch (t.type()) {
            case F32 -> MemorySegment.copy(d, F32, from * 4, out, at, count);
            case F16 -> { for (int i = 0; i < count; i++) out[at + i] = f16(d.get(I16, (from + i) * 2)); }
            case BF16 -> { for (int i = 0; i < count; i++) out[at + i] = bf16(d.get(I16, (from + i) * 2)); }
            case Q8_0 -> { for (int i = 0; i < count; i++) out[at + i] = q8(d, from + i); }
            case Q4_0 -> { for (int i = 0; i < count; i++) out[at + i] = q4(d, from + i); }
        }
    }

    static float q8(MemorySegment d, long i) {
        long block = i / 32 * 34;
        return f16(d.get(I16, block)) * d.get(ValueLayout.JAVA_BYTE, block + 2 + i % 32);
    }

    static float q4(MemorySegment d, long i) {
        long block = i / 32 * 18;
        int j = (int) (i % 32);
        int packed = d.get(ValueLayout.JAVA_BYTE, block + 2 + (j & 15)) & 0xff;
        int q = (j < 16 ? packed & 15 : packed >> 4) - 8;
        return f16(d.get(I16, block)) * q;
    }
}
