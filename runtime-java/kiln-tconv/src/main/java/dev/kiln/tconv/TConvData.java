package dev.kiln.tconv;

import dev.kiln.tconv.quant.Int8Quant;

import java.util.SplittableRandom;

/** Random tensors for one layer, reproducible from {@code seed}: fp32 in [−1, 1], int8 over the full range. */
public final class TConvData {
    private TConvData() {}

    public record Fp32(float[] input, float[] weights, float[] bias) {}

    public record Int8(byte[] input, byte[] weights, int[] bias, Int8Quant quant) {}

    public static Fp32 fp32(TConvSpec s, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] x = new float[Math.toIntExact(s.inputElements())], w = new float[Math.toIntExact(s.weightElements())], b = new float[s.oc()];
        for (int i = 0; i < x.length; i++) x[i] = (float) r.nextDouble(-1, 1);
        for (int i = 0; i < w.length; i++) w[i] = (float) r.nextDouble(-1, 1);
        for (int i = 0; i < b.length; i++) b[i] = (float) r.nextDouble(-1, 1);
        return new Fp32(x, w, b);
    }

    /**
     * int8 tensors and a quantisation whose output scale puts typical accumulators across the int8 range
     * (so requantisation, rounding and both clamps are all exercised).
     */
    public static Int8 int8(TConvSpec s, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        byte[] x = new byte[Math.toIntExact(s.inputElements())], w = new byte[Math.toIntExact(s.weightElements())];
        for (int i = 0; i < x.length; i++) x[i] = (byte) r.nextInt(-128, 128);
        for (int i = 0; i < w.length; i++) w[i] = (byte) r.nextInt(-127, 128);
        int inZp = r.nextInt(-20, 21), outZp = r.nextInt(-20, 21);
        float inScale = (float) r.nextDouble(0.005, 0.05);
        float[] wScales = new float[s.oc()];
        for (int c = 0; c < s.oc(); c++) wScales[c] = (float) r.nextDouble(0.002, 0.02);
        double taps = Math.max(1.0, (double) s.kh() * s.kw() / ((double) s.sh() * s.sw())) * s.ic();
        double accStd = Math.sqrt(taps) * 128 * 74;                  // |x − zp| ~ 74 rms, |w| ~ 73 rms
        float outScale = (float) (inScale * 0.011 * accStd / 40);
        int[] b = new int[s.oc()];
        for (int c = 0; c < s.oc(); c++) b[c] = (int) r.nextLong((long) -accStd, (long) accStd + 1);
        return new Int8(x, w, b, new Int8Quant(inScale, inZp, wScales, outScale, outZp));
    }
}
