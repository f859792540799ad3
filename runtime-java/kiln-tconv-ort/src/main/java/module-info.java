/**
 * ONNX Runtime's ConvTranspose as the {@link dev.kiln.tconv.TConvImpl} named {@code ort}: the fp32 oracle and
 * the CPU peer Kiln's kernels are measured against. Only this module pulls in ONNX Runtime and protobuf.
 */
module dev.kiln.tconv.ort {
    requires dev.kiln.tconv;
    requires com.microsoft.onnxruntime;
    requires com.google.protobuf;

    // reading a ConvTranspose and its tensors from .onnx / .pb files (kiln tconv run --onnx, the ONNX node tests)
    exports dev.kiln.tconv.onnx;

    provides dev.kiln.tconv.TConvImpl with dev.kiln.tconv.ort.OrtConvTranspose;
}
