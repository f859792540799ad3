package dev.kiln.inference.quant;

import dev.kiln.inference.tensor.TensorType;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * fp32 rows to ggml's block formats, as ggml's reference quantizers do it ({@code quantize_row_q8_0_ref},
 * {@code quantize_row_q4_0_ref}): Q8_0 scales each block of 32 by {@code max|x| / 127} and rounds to nearest;
 * Q4_0 scales by the value of largest magnitude over −8 and stores {@code min(15, trunc(x/d + 8.5))}. Also fp16
 * and bf16 (round to nearest even). For writing checkpoints and benchmark weights, not for the decode path.
 */
public final class Quantize {
    private Quantize() {}

    /** {@code values} (a multiple of the block size) in {@code type}'s little-endian encoding. */
    public static byte[] encode(TensorType type, float[] values) {
        ByteBuffer b = ByteBuffer.allocate(Math.toIntExact(type.byteSize(values.length))).order(ByteOrder.LITTLE_ENDIAN);
        switch (type) {
            case F32 -> { for (float v : values) b.putFloat(v); }
            case F16 -> { for (float v : values) b.putShort(Float.floatToFloat16(v)); }
            case BF16 -> { for (float v : values) b.putShort(bf16(v)); }
            case Q8_0 -> { for (int i = 0; i < values.length; i += 32) q8Block(values, i, b); }
            case Q4_0 -> { for (int i = 0; i < values.length; i += 32) q4Block(values, i, b); }
        }
        return b.array();
    }

    /** fp32 to bf16, round to nearest even (NaN stays NaN). */
    public static short bf16(float v) {
        int bits = Float.floatToRawIntBits(v);
        if (Float.isNaN(v)) return (short) ((bits >>> 16) | 0x40);
        int rounding = 0x7fff + ((bits >>> 16) & 1);
        return (short) ((bits + rounding) >>> 16);
    }

    private static void q8Block(float[] x, int at, ByteBuffer out) {
        float amax = 0;
        for (int j = 0; j < 32; j++) amax = Math.max(amax, Math.abs(x[at + j]));
        float d = amax / 127f, id = d != 0 ? 1f / d : 0f;
        out.putShort(Float.floatToFloat16(d));
        for (int j = 0; j < 32; j++) out.put((byte) Math.round(x[at + j] * id));
    }

    private static void q4Block(float[] x, int at, ByteBuffer out) {
        float amax = 0, max = 0;
        for (int j = 0; j < 32; j++) {
            float v = x[at + j];
            if (Math.abs(v) > amax) {
                amax = Math.abs(v);
                max = v;
            }
        }
        float d = max / -8f, id = d != 0 ? 1f / d : 0f;
        out.putShort(Float.floatToFloat16(d));
        for (int j = 0; j < 16; j++) {
            int lo = Math.min(15, (int) (x[at + j] * id + 8.5f));
            int hi = Math.min(15, (int) (x[at + 16 + j] * id + 8.5f));
            out.put((byte) (lo | hi << 4));
        }
    }
}
