package dev.kiln.tconv.impl;

import dev.kiln.device.Device;
import dev.kiln.device.Range;
import dev.kiln.tconv.TConvSpec;

import java.util.Optional;
import java.util.Set;

/** What differs per backend for the kernel-based implementations: the launch range and the weight layout. */
final class Backends {
    /** Backends with a {@code tconv} program: the Java kernels, {@code tconv.cl}, {@code tconv.ptx}. */
    static final Set<String> KERNEL_BACKENDS = Set.of("cpu", "opencl", "cuda");
    static final int GROUP = 64;

    private Backends() {}

    static Optional<String> unsupported(String impl, String backend) {
        return KERNEL_BACKENDS.contains(backend) ? Optional.empty()
                : Optional.of(impl + " has kernels for " + KERNEL_BACKENDS + ", not for backend '" + backend + "'");
    }

    static boolean isCpu(Device d) { return d.backendName().equals("cpu"); }

    /** The cpu kernels split their work themselves; device kernels get one work item per element. */
    static Range range(Device d, long items) {
        return isCpu(d) ? Range.of1D(1, 1) : Range.of1D(Math.max(items, 1), GROUP);
    }

    /** Throws the reason when {@code impl} cannot compute {@code s}. */
    static void requireSupported(dev.kiln.tconv.TConvImpl impl, TConvSpec s, boolean int8) {
        impl.unsupported(s, int8).ifPresent(why -> { throw new IllegalArgumentException(why); });
    }

    /** IOM and zero-insertion: 1-D (as one row) and 2-D, group 1, no dilation; the rest is MM2IM's. */
    static Optional<String> tfliteOnly(String impl, TConvSpec s, boolean int8) {
        if (s.rank() == 3 || s.group() != 1 || s.dh() != 1 || s.dw() != 1) {
            return Optional.of(impl + " covers 1-D and 2-D layers with group 1 and no dilation; " + s.label() + " needs mm2im");
        }
        return int8 ? Optional.ofNullable(s.int8Unsupported()) : Optional.empty();
    }

    static void checkLengths(TConvSpec s, int input, int weights, int bias) {
        dev.kiln.tconv.reference.TConvReference.checkLengths(s, input < 0 ? s.inputElements() : input, weights, bias);
    }
}
