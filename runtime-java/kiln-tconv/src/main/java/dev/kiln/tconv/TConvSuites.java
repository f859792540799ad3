package dev.kiln.tconv;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The benchmark problems, selectable by name: {@code synthetic} (the authors' sweep, 216 configs),
 * {@code models} (26 layers of well-known generative and segmentation models) and {@code paper} (both, 242).
 *
 * <p>The paper reports 261 configs. Its authors' repository (gicLAB/SECDA-TFLite) has a 216-entry synthetic
 * sweep ({@code configs/tconv_models_synth.json}) and the model layers listed here; the remaining configs are
 * not in it, so {@code paper} is the 216 + 26 we can name exactly (see docs/tconv.md).
 */
public final class TConvSuites {
    /** A named layer of a suite. */
    public record Layer(String name, TConvSpec spec) {}

    private TConvSuites() {}

    public static List<String> names() { return List.of("synthetic", "models", "paper"); }

    public static List<Layer> named(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "synthetic" -> synthetic();
            case "models" -> models();
            case "paper" -> {
                List<Layer> all = new ArrayList<>(synthetic());
                all.addAll(models());
                yield List.copyOf(all);
            }
            default -> throw new IllegalArgumentException("unknown suite '" + name + "'; known: " + names());
        };
    }

    /** stride {1,2} × Oc {16,32,64} × K {3,5,7} × Ih=Iw {7,9,11} × Ic {32,64,128,256}, SAME: 216 configs. */
    public static List<Layer> synthetic() {
        List<Layer> out = new ArrayList<>();
        for (int s : new int[]{1, 2})
            for (int oc : new int[]{16, 32, 64})
                for (int k : new int[]{3, 5, 7})
                    for (int i : new int[]{7, 9, 11})
                        for (int ic : new int[]{32, 64, 128, 256})
                            out.add(new Layer("tconv_" + s + "_" + s + "_" + oc + "_" + k + "_" + i + "_" + i + "_" + ic, TConvSpec.same(s, oc, k, i, i, ic)));
        return List.copyOf(out);
    }

    /** Model layers as {@code [s, Oc, K, Ih, Iw, Ic]}, all SAME, batch 1. */
    public static List<Layer> models() {
        int[][] layers = {
                {2, 512, 5, 4, 4, 1024}, {2, 256, 5, 8, 8, 512}, {2, 128, 5, 16, 16, 256}, {2, 3, 5, 32, 32, 128},
                {1, 128, 5, 7, 7, 256}, {2, 64, 5, 7, 7, 128}, {2, 1, 5, 14, 14, 64},
                {2, 21, 4, 1, 1, 21}, {2, 21, 4, 4, 4, 21}, {8, 21, 16, 10, 10, 21},
                {2, 512, 2, 28, 28, 1024}, {2, 256, 2, 52, 52, 512}, {2, 128, 2, 100, 100, 256}, {2, 64, 2, 196, 196, 128},
                {2, 64, 3, 64, 64, 128}, {2, 32, 3, 128, 128, 64}, {1, 3, 9, 256, 256, 32},
                {2, 2, 9, 32, 32, 32},
                {2, 512, 4, 1, 1, 512}, {2, 512, 4, 2, 2, 1024}, {2, 512, 4, 4, 4, 1024}, {2, 512, 4, 8, 8, 1024},
                {2, 256, 4, 16, 16, 1024}, {2, 128, 4, 32, 32, 512}, {2, 64, 4, 64, 64, 256}, {2, 3, 4, 128, 128, 128},
        };
        String[] names = {"dcgan1", "dcgan2", "dcgan3", "dcgan4", "tf_dcgan1", "tf_dcgan2", "tf_dcgan3", "fcn1", "fcn2", "fcn3",
                "unet1", "unet2", "unet3", "unet4", "style1", "style2", "style3", "fsrcnn1",
                "pix2pix1", "pix2pix2", "pix2pix3", "pix2pix4", "pix2pix5", "pix2pix6", "pix2pix7", "pix2pix8"};
        List<Layer> out = new ArrayList<>();
        for (int i = 0; i < layers.length; i++) {
            int[] l = layers[i];
            out.add(new Layer(names[i], TConvSpec.same(l[0], l[1], l[2], l[3], l[4], l[5])));
        }
        return List.copyOf(out);
    }
}
