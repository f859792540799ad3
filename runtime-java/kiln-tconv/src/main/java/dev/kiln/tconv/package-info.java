/**
 * Transposed convolution as MatMul + col2IM (MM2IM, Haris and Cano, arXiv 2507.07683). A
 * {@link dev.kiln.tconv.TConvSpec} describes the layer, {@link dev.kiln.tconv.TConvImpls} names the implementations
 * ({@code mm2im}, {@code iom}, {@code zero-insertion}, {@code reference}, and {@code ort} when the ONNX Runtime
 * module is present), and a {@link dev.kiln.tconv.TConvOp} holds one prepared layer on one device, run as often as
 * needed. {@link dev.kiln.tconv.TConvRunner} does it all once from Java arrays. The layer is any ONNX
 * {@code ConvTranspose} (1-D to 3-D, strides, pads, output_padding, dilations, groups; int8 for TFLite's 2-D
 * subset); {@link dev.kiln.tconv.ConvTransposeAttributes} resolves a node's attributes and
 * {@link dev.kiln.tconv.OnnxLayout} converts ONNX's NC[D]HW tensors to Kiln's channels-last ones, once.
 *
 * <pre>{@code
 * TConvSpec spec = TConvSpec.parse("ih=8,iw=8,ic=16,oc=8,k=3,s=2,pad=same");
 * try (Device device = Devices.open("auto")) {
 *     float[] y = TConvRunner.fp32(TConvImpls.named("mm2im"), device, spec, input, weights, bias);
 *     // a HiFi-GAN upsampler: ConvTranspose1d(512, 256, 16, stride 8, padding 4) on 100 frames
 *     TConvSpec up = TConvSpec.parse("rank=1,iw=100,ic=512,oc=256,k=16,s=8,pl=4,pr=4");
 * }
 * }</pre>
 */
package dev.kiln.tconv;
