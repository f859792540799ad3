package dev.kiln.cli;

import dev.kiln.device.Devices;
import dev.kiln.tconv.TConvImpl;
import dev.kiln.tconv.TConvImpls;
import dev.kiln.tconv.TConvSpec;
import dev.kiln.tconv.TConvSuites;
import dev.kiln.tconv.quant.Rounding;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Shared option handling of the tconv commands: a suite or one layer, backends, implementations. */
final class TconvLayers {
    private TconvLayers() {}

    /** The --layer help of every tconv command: all keys TConvSpec.parse reads, the batch n included. */
    static final String LAYER_HELP = "one layer as key=value pairs, e.g. n=1,ih=4,iw=4,ic=1024,oc=512,k=5,s=2,pad=same: "
            + "n batch (default 1), ih/iw (or i), ic, oc, kh/kw (or k), sh/sw (or s, default 1), "
            + "pad=same|valid (default same) or explicit crops pt,pb,pl,pr; ONNX ConvTranspose: rank=1|2|3 (1-D uses iw, kw, sw), "
            + "id, kd, sd, pfront, pback for 3-D, dilations dh/dw/dd (or d), g (group), output padding oph/opw/opd (or op)";

    static List<TConvSuites.Layer> select(String suite, String layer) {
        if ((suite == null) == (layer == null)) throw new IllegalArgumentException("give exactly one of --suite " + TConvSuites.names() + " or --layer SPEC");
        return suite != null ? TConvSuites.named(suite) : List.of(new TConvSuites.Layer("layer", TConvSpec.parse(layer)));
    }

    static List<String> backends(List<String> requested) {
        if (requested == null || requested.isEmpty() || requested.equals(List.of("all"))) return Devices.availableNames();
        for (String b : requested) Devices.backend(b);                  // throws with the reason when unavailable
        return requested;
    }

    /**
     * Why {@code impl} cannot run on {@code backend} in this dtype, or empty. Where fp32 is refused but int8
     * would run (mm2im on the FPGA accelerator), the reason ends with {@code int8Route}: the way to int8 in
     * the command that prints it ({@code --dtype int8} for verify and bench, {@code --quant} for run).
     */
    static Optional<String> unsupported(TConvImpl impl, String backend, boolean int8, Rounding rounding, String int8Route) {
        Optional<String> why = impl.unsupported(backend, int8, rounding);
        if (why.isPresent() && !int8 && impl.supportsInt8() && impl.unsupported(backend, true, rounding).isEmpty()) {
            return Optional.of(why.get() + "; " + int8Route);
        }
        return why;
    }

    static List<TConvImpl> impls(List<String> names, List<TConvImpl> fallback) {
        if (names == null || names.isEmpty()) return fallback;
        List<TConvImpl> out = new ArrayList<>();
        for (String n : names) out.add(TConvImpls.named(n));
        return out;
    }

    /**
     * Progress on stderr for sweeps longer than a few layers, one line per layer started, so stdout stays a
     * clean table or JSON (whole lines: ./kiln filters stderr line by line).
     */
    static void progress(int done, int total, String what) {
        if (total > 3 && done < total) {
            System.err.printf("[%d/%d] %s%n", done + 1, total, what);
            System.err.flush();
        }
    }
}
