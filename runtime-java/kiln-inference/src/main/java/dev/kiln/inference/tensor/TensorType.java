package dev.kiln.inference.tensor;

import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * Element types of checkpoint tensors Kiln reads. Quantized types store blocks of {@link #blockElements()} values
 * along a row ({@code Q8_0}: an fp16 scale and 32 int8; {@code Q4_0}: an fp16 scale and 32 packed 4-bit values),
 * as ggml defines them. {@code ggmlId} is the type's number in GGUF; {@code safetensorsName} its dtype string in a
 * safetensors header, null where safetensors has none.
 */
public enum TensorType {
    F32(0, "F32", 1, 4),
    F16(1, "F16", 1, 2),
    BF16(30, "BF16", 1, 2),
    Q8_0(8, null, 32, 34),
    Q4_0(2, null, 32, 18);

    private final int ggmlId;
    private final String safetensorsName;
    private final int blockElements, blockBytes;

    TensorType(int ggmlId, String safetensorsName, int blockElements, int blockBytes) {
        this.ggmlId = ggmlId;
        this.safetensorsName = safetensorsName;
        this.blockElements = blockElements;
        this.blockBytes = blockBytes;
    }

    public int ggmlId() { return ggmlId; }

    public String safetensorsName() { return safetensorsName; }

    public int blockElements() { return blockElements; }

    public int blockBytes() { return blockBytes; }

    public boolean quantized() { return blockElements > 1; }

    /** Bytes of {@code elements} values; a quantized row must hold whole blocks. */
    public long byteSize(long elements) {
        if (elements % blockElements != 0) {
            throw new IllegalArgumentException(elements + " elements of " + this + " are not whole blocks of " + blockElements);
        }
        return elements / blockElements * blockBytes;
    }

    /** The type with GGUF number {@code id}, or null when Kiln does not read it. */
    public static TensorType ofGgml(int id) {
        for (TensorType t : values()) if (t.ggmlId == id) return t;
        return null;
    }

    /** The type of safetensors dtype {@code name}, or null when Kiln does not read it. */
    public static TensorType ofSafetensors(String name) {
        for (TensorType t : values()) if (name.equals(t.safetensorsName)) return t;
        return null;
    }

    /** "F32, F16, ..." for error messages. */
    public static String supportedGgml() {
        return Arrays.stream(values()).map(t -> t + " (" + t.ggmlId + ")").collect(Collectors.joining(", "));
    }

    public static String supportedSafetensors() {
        return Arrays.stream(values()).filter(t -> t.safetensorsName != null).map(TensorType::safetensorsName).collect(Collectors.joining(", "));
    }

    /** ggml's names of the types Kiln does not read, so that an error names what the file holds. */
    public static String ggmlName(int id) {
        String[] names = {"F32", "F16", "Q4_0", "Q4_1", "Q4_2", "Q4_3", "Q5_0", "Q5_1", "Q8_0", "Q8_1", "Q2_K", "Q3_K", "Q4_K",
                "Q5_K", "Q6_K", "Q8_K", "IQ2_XXS", "IQ2_XS", "IQ3_XXS", "IQ1_S", "IQ4_NL", "IQ3_S", "IQ2_S", "IQ4_XS", "I8",
                "I16", "I32", "I64", "F64", "IQ1_M", "BF16"};
        return id >= 0 && id < names.length ? names[id] : "unknown";
    }
}
