package dev.kiln.tconv;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The benchmark problems, selectable by name: {@code synthetic} (the authors' sweep, 216 configs),
 * {@code models} (26 TFLite-shaped layers of well-known generative and segmentation models, then
 * {@link #onnxModels()}, layers that need the rest of ConvTranspose: 1-D, 3-D, groups, dilation),
 * {@code tflite-models} (the 26 alone), {@code onnx-models} (the new ones alone) and {@code paper} (synthetic +
 * the 26, 242: the configs of the paper's TFLite setting).
 *
 * <p>The paper reports 261 configs. Its authors' repository (gicLAB/SECDA-TFLite) has a 216-entry synthetic
 * sweep ({@code configs/tconv_models_synth.json}) and the model layers listed here; the remaining configs are
 * not in it, so {@code paper} is the 216 + 26 we can name exactly (see docs/tconv.md).
 */
public final class TConvSuites {
    /** A named layer of a suite. */
    public record Layer(String name, TConvSpec spec) {}

    private TConvSuites() {}

    public static List<String> names() { return List.of("synthetic", "models", "tflite-models", "onnx-models", "paper"); }

    public static List<Layer> named(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "synthetic" -> synthetic();
            case "models" -> models();
            case "tflite-models" -> tfliteModels();
            case "onnx-models" -> onnxModels();
            case "paper" -> {
                List<Layer> all = new ArrayList<>(synthetic());
                all.addAll(tfliteModels());
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

    /** {@link #tfliteModels()} then {@link #onnxModels()}. */
    public static List<Layer> models() {
        List<Layer> all = new ArrayList<>(tfliteModels());
        all.addAll(onnxModels());
        return List.copyOf(all);
    }

    /**
     * Layers that need ONNX ConvTranspose beyond TFLite, batch 1, PyTorch's usual padding:
     * HiFi-GAN V1's generator upsampling (ConvTranspose1d, kernel 16 / 4, stride 8 / 2, padding (k−s)/2; 100
     * mel frames become 25 600 samples), a 3-D U-Net decoder (k2 s2, and k3 s2 padding 1 output_padding 1,
     * 16³→32³ and 32³→64³), a grouped decoder layer (8 groups), a depthwise upsampler (group = channels, as FCN's
     * bilinear-initialised ConvTranspose) and a dilated layer (d2, output_padding 1).
     */
    public static List<Layer> onnxModels() {
        return List.of(
                new Layer("hifigan_up1", TConvSpec.parse("rank=1,iw=100,ic=512,oc=256,k=16,s=8,pl=4,pr=4")),
                new Layer("hifigan_up2", TConvSpec.parse("rank=1,iw=800,ic=256,oc=128,k=16,s=8,pl=4,pr=4")),
                new Layer("hifigan_up3", TConvSpec.parse("rank=1,iw=6400,ic=128,oc=64,k=4,s=2,pl=1,pr=1")),
                new Layer("hifigan_up4", TConvSpec.parse("rank=1,iw=12800,ic=64,oc=32,k=4,s=2,pl=1,pr=1")),
                new Layer("unet3d_up1", TConvSpec.parse("i=16,ic=128,oc=64,k=2,s=2,pfront=0,pback=0")),
                new Layer("unet3d_up2", TConvSpec.parse("i=32,ic=64,oc=32,k=2,s=2,pfront=0,pback=0")),
                new Layer("unet3d_up3", TConvSpec.parse("i=16,ic=128,oc=64,k=3,s=2,pfront=1,pback=1,pt=1,pb=1,pl=1,pr=1,op=1")),
                new Layer("unet3d_up4", TConvSpec.parse("i=32,ic=64,oc=32,k=3,s=2,pfront=1,pback=1,pt=1,pb=1,pl=1,pr=1,op=1")),
                new Layer("grouped_up", TConvSpec.parse("i=32,ic=256,oc=256,k=4,s=2,pt=1,pb=1,pl=1,pr=1,g=8")),
                new Layer("depthwise_up", TConvSpec.parse("i=64,ic=128,oc=128,k=4,s=2,pt=1,pb=1,pl=1,pr=1,g=128")),
                new Layer("dilated_up", TConvSpec.parse("i=32,ic=128,oc=64,k=3,s=2,d=2,pt=2,pb=2,pl=2,pr=2,op=1")));
    }

    /** Model layers as {@code [s, Oc, K, Ih, Iw, Ic]}, all SAME, batch 1: TFLite's TRANSPOSE_CONV. */
    public static List<Layer> tfliteModels() {
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
