package dev.kiln.attention;

/** How the KV cache stores its elements; attention always accumulates in fp32. */
public enum KvDtype {
    FP32(4), BF16(2);

    private final int bytes;

    KvDtype(int bytes) { this.bytes = bytes; }

    public int bytes() { return bytes; }

    /** The code passed to kernels: 0 = fp32, 1 = bf16. */
    public int code() { return ordinal(); }

    public static KvDtype parse(String s) {
        return switch (s.toLowerCase(java.util.Locale.ROOT)) {
            case "fp32", "f32", "float32" -> FP32;
            case "bf16", "bfloat16" -> BF16;
            default -> throw new IllegalArgumentException("kv dtype must be fp32 or bf16, was '" + s + "'");
        };
    }

    @Override public String toString() { return name().toLowerCase(java.util.Locale.ROOT); }
}
