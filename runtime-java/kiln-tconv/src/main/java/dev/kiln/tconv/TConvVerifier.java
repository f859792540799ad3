package dev.kiln.tconv;

import dev.kiln.device.Device;
import dev.kiln.tconv.quant.Requantizer;
import dev.kiln.tconv.quant.Rounding;
import dev.kiln.tconv.reference.TConvReference;

/**
 * Runs one implementation on one device against the reference: fp32 errors against the fp64 loops, int8
 * mismatching elements against the exact int64 loops with the same rounding.
 */
public final class TConvVerifier {
    /** fp32 tolerance: max |y − ref| / max |ref| (normwise relative error). */
    public static final double FP32_TOLERANCE = 1e-5;

    private TConvVerifier() {}

    /**
     * @param maxAbsError   fp32: max |y − ref|; int8: max |y − ref| in LSB
     * @param relError      fp32: maxAbsError / max |ref|; int8: 0
     * @param mismatches    int8: elements that differ; fp32: elements over tolerance·max|ref|
     */
    public record Result(String impl, String backend, TConvSpec spec, String dtype, double maxAbsError, double relError,
                         long mismatches, boolean passed, long seed) {}

    public static Result fp32(TConvImpl impl, Device d, TConvSpec s, long seed) {
        TConvData.Fp32 data = TConvData.fp32(s, seed);
        double[] ref = TConvReference.fp64(s, data.input(), data.weights(), data.bias());
        float[] y = TConvRunner.fp32(impl, d, s, data.input(), data.weights(), data.bias());
        return compareFp32(impl.name(), d.backendName(), s, ref, y, seed);
    }

    public static Result compareFp32(String impl, String backend, TConvSpec s, double[] ref, float[] y, long seed) {
        double maxRef = 0, maxErr = 0;
        for (double v : ref) maxRef = Math.max(maxRef, Math.abs(v));
        double scale = Math.max(maxRef, Double.MIN_NORMAL);
        long over = 0;
        for (int i = 0; i < ref.length; i++) {
            double e = Math.abs(y[i] - ref[i]);
            if (!(e <= FP32_TOLERANCE * scale)) over++;          // NaN counts as over
            maxErr = Math.max(maxErr, Double.isNaN(e) ? Double.POSITIVE_INFINITY : e);
        }
        double rel = maxErr / scale;
        return new Result(impl, backend, s, "fp32", maxErr, rel, over, over == 0 && rel <= FP32_TOLERANCE, seed);
    }

    public static Result int8(TConvImpl impl, Device d, TConvSpec s, Rounding rounding, long seed) {
        TConvData.Int8 data = TConvData.int8(s, seed);
        Requantizer rq = data.quant().requantizer(s.oc(), rounding);
        byte[] ref = TConvReference.int8(s, data.input(), data.weights(), data.bias(), data.quant().inputZeroPoint(), rq);
        byte[] y = TConvRunner.int8(impl, d, s, data.input(), data.weights(), data.bias(), data.quant().inputZeroPoint(), rq);
        return compareInt8(impl.name(), d.backendName(), s, ref, y, seed);
    }

    public static Result compareInt8(String impl, String backend, TConvSpec s, byte[] ref, byte[] y, long seed) {
        long mismatches = 0;
        int maxDiff = 0;
        for (int i = 0; i < ref.length; i++) {
            if (ref[i] != y[i]) {
                mismatches++;
                maxDiff = Math.max(maxDiff, Math.abs(ref[i] - y[i]));
            }
        }
        return new Result(impl, backend, s, "int8", maxDiff, 0, mismatches, mismatches == 0, seed);
    }
}
