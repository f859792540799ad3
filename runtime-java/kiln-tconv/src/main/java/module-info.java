/**
 * Transposed convolution as MatMul + col2IM (MM2IM), fp32 and int8 (TFLite semantics), on every Kiln
 * device: start at {@link dev.kiln.tconv.TConvSpec}, {@link dev.kiln.tconv.TConvImpls} and
 * {@link dev.kiln.tconv.TConvRunner}. ONNX Runtime's ConvTranspose joins as implementation {@code ort} when the
 * module {@code dev.kiln.tconv.ort} is present.
 */
module dev.kiln.tconv {
    requires transitive dev.kiln.core;
    requires jdk.incubator.vector;

    exports dev.kiln.tconv;
    exports dev.kiln.tconv.quant;
    exports dev.kiln.tconv.reference;

    uses dev.kiln.tconv.TConvImpl;
    provides dev.kiln.device.cpu.CpuKernelLibrary with dev.kiln.tconv.cpu.TConvCpuKernels;
}
