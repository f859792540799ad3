/**
 * TFLite's int8 quantisation, bit for bit: per-channel requantisation with single or double rounding.
 *
 * <pre>{@code
 * Int8Quant q = Int8Quant.perTensor(0.02f, -3, 0.01f, spec.oc(), 0.05f, 5);
 * Requantizer rq = q.requantizer(spec.oc(), Rounding.SINGLE);
 * byte[] y = TConvRunner.int8(TConvImpls.named("mm2im"), device, spec, x, w, bias, q.inputZeroPoint(), rq);
 * }</pre>
 */
package dev.kiln.tconv.quant;
