/**
 * The definition every implementation is checked against: transposed convolution in fp64 and in exact int8.
 *
 * <pre>{@code
 * double[] expected = TConvReference.fp64(spec, input, weights, bias);
 * }</pre>
 */
package dev.kiln.tconv.reference;
