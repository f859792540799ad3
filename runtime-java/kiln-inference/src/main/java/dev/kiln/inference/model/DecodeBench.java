package dev.kiln.inference.model;

import dev.kiln.attention.MemoryBandwidth;
import dev.kiln.device.Device;
import dev.kiln.inference.tensor.TensorType;

import java.util.Arrays;

/**
 * Decode speed of a Llama-shaped model with random weights of one tensor type, against the read ceiling measured
 * in the same run on the same bytes: {@code tokens/s × weight bytes per token ÷ ceiling bytes/s} is the fraction of
 * the memory's read rate the decode achieves (1.0 = the weights stream at the ceiling's pace). Medians over steps.
 */
public final class DecodeBench {
    private DecodeBench() {}

    /**
     * @param secondsPerToken     median wall time of one decode step
     * @param ceilingBytesPerSecond median rate of the read ceiling over the weights' bytes
     */
    /**
     * @param pairedFraction the median over steps of each step's fraction against the ceiling read right after it: on a
     *                       machine shared with other work, the pair saw the same load
     */
    public record Result(String type, long weightBytesPerToken, double secondsPerToken, double tokensPerSecond,
                         double ceilingBytesPerSecond, double fractionOfCeiling, double pairedFraction,
                         double[] stepSeconds, double[] ceilingSeconds) {}

    public static Result run(Device device, LlamaConfig shape, TensorType type, int steps, long seed) {
        if (steps < 1) throw new IllegalArgumentException("steps = " + steps + "; must be >= 1");
        try (SyntheticLlama ckpt = new SyntheticLlama(shape, type, seed);
             Llama model = new Llama(ckpt, shape, AttentionFactory.singleRank(device), steps + 8)) {
            int token = 1;
            for (int w = 0; w < 3; w++) token = Sampler.argmax(model.step(token)) % shape.vocab();   // warm-up: JIT, page faults
            double[] step = new double[steps], ceiling = new double[steps];
            for (int i = 0; i < steps; i++) {
                // Alternate decode and ceiling so that a machine shared with other work slows both alike.
                long t0 = System.nanoTime();
                token = Sampler.argmax(model.step(token));
                long t1 = System.nanoTime();
                MemoryBandwidth.readAll(ckpt.weights());
                long t2 = System.nanoTime();
                step[i] = (t1 - t0) / 1e9;
                ceiling[i] = (t2 - t1) / 1e9;
            }
            long bytes = model.weightBytesPerToken();
            double sec = median(step), ceilingRate = ckpt.weights().byteSize() / median(ceiling);
            double[] paired = new double[steps];
            for (int i = 0; i < steps; i++) paired[i] = bytes / step[i] / (ckpt.weights().byteSize() / ceiling[i]);
            return new Result(type.toString(), bytes, sec, 1 / sec, ceilingRate, bytes / sec / ceilingRate, median(paired), step, ceiling);
        }
    }

    static double median(double[] x) {
        double[] s = x.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }
}
