package dev.kiln.attention;

/** Error measures used by the attention tests. */
final class Errors {
    private Errors() {}

    /** ‖got − want‖₂ / ‖want‖₂. */
    static double relative(float[] got, double[] want) {
        double num = 0, den = 0;
        for (int i = 0; i < want.length; i++) {
            double d = got[i] - want[i];
            num += d * d;
            den += want[i] * want[i];
        }
        return den == 0 ? Math.sqrt(num) : Math.sqrt(num / den);
    }

    static double maxAbs(float[] got, double[] want) {
        double m = 0;
        for (int i = 0; i < want.length; i++) {
            if (Double.isInfinite(want[i]) && got[i] == want[i]) continue;
            m = Math.max(m, Math.abs(got[i] - want[i]));
        }
        return m;
    }
}
