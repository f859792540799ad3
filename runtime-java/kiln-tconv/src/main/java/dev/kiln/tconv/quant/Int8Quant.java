package dev.kiln.tconv.quant;

import java.util.Arrays;

/**
 * TFLite int8 quantisation of one {@code TRANSPOSE_CONV}: int8 input with a per-tensor scale and zero point,
 * int8 weights symmetric per output channel (zero point 0, one scale per {@code oc}), int32 bias with
 * scale {@code inputScale·weightScales[oc]} and zero point 0, int8 output with a scale and zero point.
 * Scales are {@code float}, as TFLite stores them; the multipliers are derived in double as TFLite does.
 */
public record Int8Quant(float inputScale, int inputZeroPoint, float[] weightScales, float outputScale, int outputZeroPoint) {
    public Int8Quant {
        positiveScale("inputScale", inputScale);
        positiveScale("outputScale", outputScale);
        int8("inputZeroPoint", inputZeroPoint);
        int8("outputZeroPoint", outputZeroPoint);
        if (weightScales == null || weightScales.length == 0) {
            throw new IllegalArgumentException("weightScales must have one scale per output channel, was " + (weightScales == null ? "null" : "empty"));
        }
        weightScales = weightScales.clone();
        for (int i = 0; i < weightScales.length; i++) positiveScale("weightScales[" + i + "]", weightScales[i]);
    }

    /** Same weight scale for every one of {@code oc} channels. */
    public static Int8Quant perTensor(float inputScale, int inputZeroPoint, float weightScale, int oc, float outputScale, int outputZeroPoint) {
        float[] ws = new float[oc];
        Arrays.fill(ws, weightScale);
        return new Int8Quant(inputScale, inputZeroPoint, ws, outputScale, outputZeroPoint);
    }

    @Override
    public float[] weightScales() { return weightScales.clone(); }

    public int channels() { return weightScales.length; }

    /**
     * {@code M_real[oc] = inputScale · weightScales[oc] / outputScale} computed in double from the float scales
     * (TFLite {@code PopulateConvolutionQuantizationParams}), then {@link QuantizedMultiplier#of(double, Rounding)}.
     */
    public Requantizer requantizer(int oc, Rounding rounding) {
        if (oc != weightScales.length) {
            throw new IllegalArgumentException("weightScales has " + weightScales.length + " entries, the layer has oc=" + oc);
        }
        int[] m = new int[oc], shift = new int[oc];
        for (int c = 0; c < oc; c++) {
            double real = (double) inputScale * (double) weightScales[c] / (double) outputScale;
            QuantizedMultiplier q = QuantizedMultiplier.of(real, rounding);
            m[c] = q.multiplier();
            shift[c] = q.shift();
        }
        return new Requantizer(m, shift, outputZeroPoint, rounding);
    }

    private static void positiveScale(String field, float v) {
        if (!(v > 0) || Float.isInfinite(v)) throw new IllegalArgumentException(field + " must be a finite float > 0, was " + v);
    }

    private static void int8(String field, int v) {
        if (v < -128 || v > 127) throw new IllegalArgumentException(field + " must be in [-128, 127], was " + v);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Int8Quant q && Float.compare(q.inputScale, inputScale) == 0 && q.inputZeroPoint == inputZeroPoint
                && Arrays.equals(q.weightScales, weightScales) && Float.compare(q.outputScale, outputScale) == 0
                && q.outputZeroPoint == outputZeroPoint;
    }

    @Override
    public int hashCode() {
        return Float.hashCode(inputScale) * 31 + inputZeroPoint + Arrays.hashCode(weightScales) * 17 + Float.hashCode(outputScale) + outputZeroPoint;
    }

    @Override
    public String toString() {
        return "Int8Quant[inputScale=" + inputScale + ", inputZeroPoint=" + inputZeroPoint + ", weightScales=" + weightScales.length
                + " channels, outputScale=" + outputScale + ", outputZeroPoint=" + outputZeroPoint + "]";
    }
}
