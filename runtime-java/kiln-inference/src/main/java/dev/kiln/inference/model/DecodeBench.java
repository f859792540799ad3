package dev.kiln.inference.model;

import dev.kiln.attention.MemoryBandwidth;
import dev.kiln.device.Device;
import dev.kiln.inference.quant.Activations;
import dev.kiln.inference.quant.QuantizedGemv;
import dev.kiln.inference.tensor.TensorType;

import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.util.Arrays;

/**
 * Decode speed of a Llama-shaped model with random weights of one tensor type, against the read ceiling measured
 * in the same run on the same bytes: {@code tokens/s × weight bytes per token ÷ ceiling bytes/s} is the fraction of
 * the memory's read rate the decode achieves (1.0 = the weights stream at the ceiling's pace). Medians over steps.
 */
public final class DecodeBench {
    /** Bounds on the untimed (decode step, ceiling read) pairs before the timed ones; where the JVM does not report its JIT time, the minimum. */
    static final int MIN_WARM_UP = 3, MAX_WARM_UP = 40;

    private DecodeBench() {}

    /**
     * @param secondsPerToken     median wall time of one decode step
     * @param ceilingBytesPerSecond median rate of the read ceiling over the weights' bytes
     */
    /**
     * @param pairedFraction the median over steps of each step's fraction against the ceiling read right after it: on a
     *                       machine shared with other work, the pair saw the same load
     * @param warmUpSteps    untimed (step, ceiling) pairs run first, until the JIT was quiet
     */
    public record Result(String type, String activations, long weightBytesPerToken, double secondsPerToken, double tokensPerSecond,
                         double ceilingBytesPerSecond, double fractionOfCeiling, double pairedFraction, int warmUpSteps,
                         double[] stepSeconds, double[] ceilingSeconds) {}

    /** Milliseconds the JIT has spent compiling so far; -1 where the JVM does not say (then warm-up stops at its minimum). */
    private static long jitMillis() {
        CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
        return jit != null && jit.isCompilationTimeMonitoringSupported() ? jit.getTotalCompilationTime() : -1;
    }

    /** @param activations how Q8_0 / Q4_0 weights take their activations (the result names what ran) */
    public static Result run(Device device, LlamaConfig shape, TensorType type, Activations activations, int steps, long seed) {
        if (steps < 1) throw new IllegalArgumentException("steps = " + steps + "; must be >= 1");
        warmUpCode(device, shape, type, activations, seed);
        try (SyntheticLlama ckpt = new SyntheticLlama(shape, type, seed);
             Llama model = new Llama(ckpt, shape, AttentionFactory.singleRank(device), steps + MAX_WARM_UP + 1, activations)) {
            int token = 1;
            int warmUp = 0;
            // Warm-up of both sides, in the timed loop's order, until the JIT compiled for under 1 % of two pairs' time in
            // a row: the step's code runs a few times per layer, so C2 compiles it for seconds (100-300 ms a method), and
            // its compiler threads share the two cores with whatever is being timed (after three plain decode steps, the
            // first type of a run saw its ceiling cut by a third against the last type's). Small compilations trickle on.
            for (int quiet = 0; warmUp < MAX_WARM_UP && (warmUp < MIN_WARM_UP || quiet < 2); warmUp++) {
                long jit = jitMillis(), t0 = System.nanoTime();
                token = Sampler.argmax(model.step(token));
                MemoryBandwidth.readAll(ckpt.weights());
                double pairMillis = (System.nanoTime() - t0) / 1e6;
                quiet = jitMillis() - jit <= 0.01 * pairMillis ? quiet + 1 : 0;
            }
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
            return new Result(type.toString(), QuantizedGemv.activationsInEffect(activations, type).toString(), bytes, sec, 1 / sec, ceilingRate, bytes / sec / ceilingRate, median(paired), warmUp, step, ceiling);
        }
    }

    /** Steps of {@link #warmUpCode}: enough for every method of a step to reach C2, attention included. */
    static final int CODE_WARM_UP_STEPS = 4000;

    /**
     * Runs the decode step's code until C2 has compiled it, on a one-layer model with the benchmark's widths, heads and
     * weight type but a 256-token vocabulary and FFN (about 13 MB of weights a step, so this takes seconds). A step runs
     * the attention path once a layer: after the JIT-quiet warm-up of {@link #run} alone (15–30 steps of 16 layers, some
     * 400 calls, the JIT idle because nothing had reached C2's thresholds yet) it took about 200 µs a call, against
     * 19 µs after some 4000 calls (measured: 3–4 ms of a 70 ms Q8_0 step, 1.2–1.35 ms after this warm-up). A
     * long-running decode runs the compiled code, so that is what this benchmark times. The KV cache restarts every 256
     * positions.
     */
    static void warmUpCode(Device device, LlamaConfig shape, TensorType type, Activations activations, long seed) {
        LlamaConfig small = new LlamaConfig(256, shape.dim(), 1, shape.heads(), shape.kvHeads(), 256, 256, shape.ropeDims(),
                shape.ropeTheta(), shape.rmsEps(), shape.ropeInterleaved(), shape.gguf());
        try (SyntheticLlama ckpt = new SyntheticLlama(small, type, seed);
             Llama model = new Llama(ckpt, small, AttentionFactory.singleRank(device), small.context(), activations)) {
            int token = 1;
            for (int i = 0; i < CODE_WARM_UP_STEPS; i++) {
                if (model.position() == small.context()) model.reset();
                token = Sampler.argmax(model.step(token));
            }
        }
    }

    static double median(double[] x) {
        double[] s = x.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }
}
