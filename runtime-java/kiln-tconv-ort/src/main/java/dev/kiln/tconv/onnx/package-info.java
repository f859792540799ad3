/**
 * Reading ONNX files for transposed convolution: {@link dev.kiln.tconv.onnx.OnnxFiles} takes the first
 * {@code ConvTranspose} of a model (its attributes as {@link dev.kiln.tconv.ConvTransposeAttributes}, its inputs
 * and float initializers) and float {@code TensorProto} files, with protobuf-java; no generated code.
 *
 * <pre>{@code
 * OnnxFiles.Node node = OnnxFiles.readConvTranspose(Path.of("model.onnx"));
 * float[] w = node.initializers().get(node.inputs().get(1)).data();           // [Ic, Oc/group, k...]
 * TConvSpec spec = node.attributes().spec(new long[]{1, 64, 32, 32}, node.initializers().get(node.inputs().get(1)).dims());
 * float[] y = TConvRunner.fp32(TConvImpls.named("mm2im"), device, spec,
 *         OnnxLayout.inputToKiln(spec, xNchw), OnnxLayout.weightsToKiln(spec, w), null);
 * float[] yNchw = OnnxLayout.outputToOnnx(spec, y);
 * }</pre>
 */
package dev.kiln.tconv.onnx;
