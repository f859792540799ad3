package dev.kiln.tconv;

import dev.kiln.device.Device;
import dev.kiln.tconv.quant.Requantizer;

import java.util.Optional;

/**
 * One way to compute a transposed convolution ({@code mm2im}, {@code iom}, {@code zero-insertion},
 * {@code reference}, {@code ort}), behind one API on any {@link Device} it supports. Implementations find
 * their kernels by name in program {@code tconv} on the device's backend.
 */
public interface TConvImpl {
    String name();

    /** Why this implementation cannot run on {@code backend}, or empty when it can. */
    Optional<String> unsupported(String backend);

    default boolean supports(String backend) { return unsupported(backend).isEmpty(); }

    /** As {@link #unsupported(String)} for one dtype and int8 rounding (the FPGA accelerator is int8, single rounding). */
    default Optional<String> unsupported(String backend, boolean int8, dev.kiln.tconv.quant.Rounding rounding) {
        return unsupported(backend);
    }

    /**
     * Why this implementation cannot compute {@code spec} (in int8 when {@code int8}), or empty when it can. int8
     * follows TFLite, which defines 2-D, group 1, dilation 1 only ({@link TConvSpec#int8Unsupported()}).
     */
    default Optional<String> unsupported(TConvSpec spec, boolean int8) {
        return int8 ? Optional.ofNullable(spec.int8Unsupported()) : Optional.empty();
    }

    /** Whether {@link #int8} is implemented (ORT's ConvTranspose is float-only). */
    default boolean supportsInt8() { return true; }

    /**
     * True when the implementation runs its own thread pool that keeps spinning between runs (ONNX Runtime):
     * benchmarks then time it alone, with its pool closed before Kiln's kernels run, instead of interleaved.
     */
    default boolean spinsBetweenRuns() { return false; }

    /** fp32: weights OHWI {@code [Oc, Kh, Kw, Ic]}, bias {@code [Oc]} or null. */
    TConvOp fp32(Device device, TConvSpec spec, float[] weights, float[] bias);

    /**
     * TFLite int8: weights OHWI int8 (symmetric, zero point 0), int32 bias or null, the input zero point and
     * the per-channel requantisation.
     */
    TConvOp int8(Device device, TConvSpec spec, byte[] weights, int[] bias, int inputZeroPoint, Requantizer requantizer);
}
