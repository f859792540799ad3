package dev.kiln.tconv;

import dev.kiln.tconv.impl.Iom;
import dev.kiln.tconv.impl.Mm2im;
import dev.kiln.tconv.impl.ReferenceImpl;
import dev.kiln.tconv.impl.ZeroInsertion;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.ServiceLoader;

/**
 * Every implementation by name, as the command line and the tests select them: Kiln's own, then those other
 * modules provide as {@link TConvImpl} services (ONNX Runtime's {@code ort}, from the module
 * {@code dev.kiln.tconv.ort}, artifact {@code dev.kiln:kiln-tconv-ort}, when it is on the path).
 *
 * <pre>{@code
 * TConvImpl mm2im = TConvImpls.named("mm2im");
 * }</pre>
 */
public final class TConvImpls {
    private static final List<TConvImpl> OWN = List.of(new Mm2im(), new Iom(), new ZeroInsertion(), new ReferenceImpl());
    private static final List<TConvImpl> ALL = discover();

    private TConvImpls() {}

    private static List<TConvImpl> discover() {
        List<TConvImpl> all = new ArrayList<>(OWN);
        ServiceLoader.load(TConvImpl.class, TConvImpls.class.getClassLoader()).forEach(all::add);
        return List.copyOf(all);
    }

    /** Every implementation: Kiln's own and the ones found as services. */
    public static List<TConvImpl> all() { return ALL; }

    /** Kiln's own kernel-based implementations (not the reference, not ORT). */
    public static List<TConvImpl> kernels() { return ALL.subList(0, 3); }

    /** The implementation called {@code name}; an {@link IllegalArgumentException} naming the known ones if there is none. */
    public static TConvImpl named(String name) {
        String hint = name.equals("ort") ? " ('ort' is ONNX Runtime's ConvTranspose: add the artifact dev.kiln:kiln-tconv-ort)" : "";
        return ALL.stream().filter(i -> i.name().equals(name)).findFirst().orElseThrow(() -> new IllegalArgumentException(
                "unknown implementation '" + name + "'; known: " + Arrays.toString(ALL.stream().map(TConvImpl::name).toArray()) + hint));
    }
}
