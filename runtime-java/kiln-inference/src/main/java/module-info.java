/**
 * Kiln runs real models: memory-mapped GGUF and safetensors checkpoints ({@link dev.kiln.inference.gguf},
 * {@link dev.kiln.inference.safetensors}, {@link dev.kiln.inference.tensor}), GEMV over quantized weights
 * ({@link dev.kiln.inference.quant}), the char-GPT of {@code kiln train} and the Llama family on Kiln's split-KV
 * attention, on one rank or Helix ranks ({@link dev.kiln.inference.model}), and their tokenizers
 * ({@link dev.kiln.inference.tokenizer}).
 */
module dev.kiln.inference {
    requires transitive dev.kiln.attention;
    requires jdk.incubator.vector;
    requires java.management;   // DecodeBench warms up until the JIT is idle

    exports dev.kiln.inference.tensor;
    exports dev.kiln.inference.gguf;
    exports dev.kiln.inference.safetensors;
    exports dev.kiln.inference.quant;
    exports dev.kiln.inference.tokenizer;
    exports dev.kiln.inference.model;

    provides dev.kiln.device.cpu.CpuKernelLibrary with dev.kiln.inference.quant.cpu.QuantCpuKernels;
}
