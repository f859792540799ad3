package dev.kiln.cli;

import dev.kiln.device.Devices;
import dev.kiln.tconv.TConvImpl;
import dev.kiln.tconv.TConvImpls;
import dev.kiln.tconv.TConvSpec;
import dev.kiln.tconv.TConvSuites;

import java.util.ArrayList;
import java.util.List;

/** Shared option handling of the tconv commands: a suite or one layer, backends, implementations. */
final class TconvLayers {
    private TconvLayers() {}

    static List<TConvSuites.Layer> select(String suite, String layer) {
        if ((suite == null) == (layer == null)) throw new IllegalArgumentException("give exactly one of --suite " + TConvSuites.names() + " or --layer SPEC");
        return suite != null ? TConvSuites.named(suite) : List.of(new TConvSuites.Layer("layer", TConvSpec.parse(layer)));
    }

    static List<String> backends(List<String> requested) {
        if (requested == null || requested.isEmpty() || requested.equals(List.of("all"))) return Devices.availableNames();
        for (String b : requested) Devices.backend(b);                  // throws with the reason when unavailable
        return requested;
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
