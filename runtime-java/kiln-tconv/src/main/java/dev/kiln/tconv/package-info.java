/**
 * Transposed convolution as MatMul + col2IM (MM2IM, Haris and Cano, arXiv 2507.07683). A
 * {@link dev.kiln.tconv.TConvSpec} describes the layer, {@link dev.kiln.tconv.TConvImpls} names the implementations
 * ({@code mm2im}, {@code iom}, {@code zero-insertion}, {@code reference}, and {@code ort} when the ONNX Runtime
 * module is present), and a {@link dev.kiln.tconv.TConvOp} holds one prepared layer on one device, run as often as
 * needed. {@link dev.kiln.tconv.TConvRunner} does it all once from Java arrays.
 *
 * <pre>{@code
 * TConvSpec spec = TConvSpec.parse("ih=8,iw=8,ic=16,oc=8,k=3,s=2,pad=same");
 * try (Device device = Devices.open("auto")) {
 *     float[] y = TConvRunner.fp32(TConvImpls.named("mm2im"), device, spec, input, weights, bias);
 * }
 * }</pre>
 */
package dev.kiln.tconv;
