package dev.kiln.examples;

import dev.kiln.device.Buffer;
import dev.kiln.device.Device;
import dev.kiln.device.Devices;
import dev.kiln.tconv.Padding;
import dev.kiln.tconv.TConvImpls;
import dev.kiln.tconv.TConvOp;
import dev.kiln.tconv.TConvSpec;
import dev.kiln.tconv.reference.TConvReference;
import dev.kiln.tensor.DType;
import dev.kiln.tensor.Tensor;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;

/**
 * A transposed convolution (stride 2, TFLite SAME) from {@code .npy} files on the best available device, checked
 * against Kiln's fp64 reference.
 *
 * <pre>
 * TransposedConvFromNpy input.npy weights.npy output.npy   input [N,H,W,Ic] fp32, weights [Oc,K,K,Ic] fp32
 * TransposedConvFromNpy                                    makes random input and weights in a temporary folder first
 * </pre>
 */
public final class TransposedConvFromNpy {
    public static void main(String[] args) throws Exception {
        Path input, weights, output;
        if (args.length == 3) {
            input = Path.of(args[0]);
            weights = Path.of(args[1]);
            output = Path.of(args[2]);
        } else {
            Path dir = Files.createTempDirectory("kiln-tconv-example");
            input = dir.resolve("input.npy");
            weights = dir.resolve("weights.npy");
            output = dir.resolve("output.npy");
            writeRandom(input, 1, 8, 8, 16);
            writeRandom(weights, 8, 3, 3, 16);
        }

        try (Device device = Devices.open("auto");
             Tensor x = Tensor.readNpy(input);
             Tensor w = Tensor.readNpy(weights)) {
            TConvSpec spec = new TConvSpec((int) x.dim(0), (int) x.dim(1), (int) x.dim(2), (int) x.dim(3),
                    (int) w.dim(0), (int) w.dim(1), (int) w.dim(2), 2, 2, new Padding.Same());
            // Prepare once (weights laid out for this device), run as often as needed.
            try (TConvOp op = TConvImpls.named("mm2im").fp32(device, spec, w.toFloatArray(), null);
                 Buffer in = device.upload(x.data());
                 Buffer out = device.allocate(4 * spec.outputElements());
                 Tensor y = Tensor.allocate(DType.FP32, spec.n(), spec.oh(), spec.ow(), spec.oc())) {
                op.run(in, out).await();
                device.queue().read(out, 0, y.data());
                y.writeNpy(output);

                double[] reference = TConvReference.fp64(spec, x.toFloatArray(), w.toFloatArray(), null);
                double error = maxRelativeError(y.toFloatArray(), reference);
                System.out.printf("%s on %s: %s -> %s, max relative error vs fp64 %.2e, wrote %s%n",
                        spec, device.info().name(), x, y, error, output);
                if (!(error <= 1e-5)) throw new AssertionError("error " + error + " above 1e-5");
            }
        }
    }

    private static void writeRandom(Path file, long... shape) throws Exception {
        SplittableRandom random = new SplittableRandom(42);
        float[] values = new float[Math.toIntExact(shape[0] * shape[1] * shape[2] * shape[3])];
        for (int i = 0; i < values.length; i++) values[i] = (float) random.nextGaussian();
        try (Tensor t = Tensor.of(values, shape)) {
            t.writeNpy(file);
        }
    }

    private static double maxRelativeError(float[] y, double[] reference) {
        double scale = 0, error = 0;
        for (double r : reference) scale = Math.max(scale, Math.abs(r));
        for (int i = 0; i < y.length; i++) error = Math.max(error, Math.abs(y[i] - reference[i]));
        return error / Math.max(scale, Double.MIN_NORMAL);
    }
}
