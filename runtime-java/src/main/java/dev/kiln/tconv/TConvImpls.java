package dev.kiln.tconv;

import dev.kiln.tconv.impl.Iom;
import dev.kiln.tconv.impl.Mm2im;
import dev.kiln.tconv.impl.ReferenceImpl;
import dev.kiln.tconv.impl.ZeroInsertion;
import dev.kiln.tconv.ort.OrtConvTranspose;

import java.util.Arrays;
import java.util.List;

/** Every implementation by name, as the command line and the tests select them. */
public final class TConvImpls {
    private static final List<TConvImpl> ALL = List.of(new Mm2im(), new Iom(), new ZeroInsertion(), new ReferenceImpl(), new OrtConvTranspose());

    private TConvImpls() {}

    public static List<TConvImpl> all() { return ALL; }

    /** Kiln's own kernel-based implementations (not the reference, not ORT). */
    public static List<TConvImpl> kernels() { return ALL.subList(0, 3); }

    public static TConvImpl named(String name) {
        return ALL.stream().filter(i -> i.name().equals(name)).findFirst().orElseThrow(() -> new IllegalArgumentException(
                "unknown implementation '" + name + "'; known: " + Arrays.toString(ALL.stream().map(TConvImpl::name).toArray())));
    }
}
