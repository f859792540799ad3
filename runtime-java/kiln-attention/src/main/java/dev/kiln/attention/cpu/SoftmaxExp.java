package dev.kiln.attention.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

import static dev.kiln.attention.cpu.SplitKvDecodeCpu.F;

/**
 * The softmax's {@code e^x} for {@code x = s − max ≤ 0}, from lane-wise IEEE operations only, so
 * that it rounds the same way in the interpreter, C1 and C2. The Vector API's {@code lanewise(EXP)} does not:
 * C2 calls an SVML stub while the interpreter falls back to {@code Math.exp} per lane, so the first tiles of a
 * run (before compilation) and the later ones round differently and two runs of the same attention differed
 * in the ninth digit.
 *
 * <p>Cody–Waite reduction {@code x = k·ln2 + r}, {@code |r| ≤ ln2/2}, then a degree-7 Taylor polynomial
 * (truncation error below 5e-9 relative, under the float rounding), scaled by {@code 2^k} built in the
 * exponent bits. Arguments below −87.3 (where e^x leaves the normal floats), and −∞, give exactly 0.
 */
final class SoftmaxExp {
    private static final float LOG2E = 1.44269504088896341f;
    private static final float LN2_HI = 0.693145751953125f;      // ln 2 to 15 bits: k·LN2_HI is exact for |k| < 2^9
    private static final float LN2_LO = 1.42860682030941723e-6f;
    private static final float LOWEST = -87.3f;

    private SoftmaxExp() {}

    /**
     * {@code sc[o .. o + span) ← e^(sc − max)} in place, {@code span} a multiple of the vector length, and the
     * sum of the new values in lane order (the same rounding in every compilation tier, unlike
     * {@code reduceLanes(ADD)}). One flat loop with no vector crossing a method boundary: C2 boxed vectors passed
     * between methods in some compilations and not in others (see the dim-major kernel).
     */
    static float expInPlace(float[] sc, int o, int span, float max) {
        FloatVector mv = FloatVector.broadcast(F, max), total = FloatVector.zero(F);
        FloatVector lowest = FloatVector.broadcast(F, LOWEST), log2e = FloatVector.broadcast(F, LOG2E), half = FloatVector.broadcast(F, 0.5f);
        FloatVector ln2Hi = FloatVector.broadcast(F, -LN2_HI), ln2Lo = FloatVector.broadcast(F, -LN2_LO);
        FloatVector c7 = FloatVector.broadcast(F, 1f / 5040), c6 = FloatVector.broadcast(F, 1f / 720), c5 = FloatVector.broadcast(F, 1f / 120);
        FloatVector c4 = FloatVector.broadcast(F, 1f / 24), c3 = FloatVector.broadcast(F, 1f / 6), one = FloatVector.broadcast(F, 1f);
        for (int j = 0; j < span; j += F.length()) {
            FloatVector x = FloatVector.fromArray(F, sc, o + j).sub(mv);
            VectorMask<Float> underflow = x.lt(lowest);
            FloatVector xc = x.max(lowest);
            IntVector k = (IntVector) xc.mul(log2e).sub(half).convert(VectorOperators.F2I, 0);  // round to nearest for x <= 0
            FloatVector kf = (FloatVector) k.convert(VectorOperators.I2F, 0);
            FloatVector r = kf.fma(ln2Lo, kf.fma(ln2Hi, xc));
            FloatVector p = c7.fma(r, c6).fma(r, c5).fma(r, c4).fma(r, c3).fma(r, half).fma(r, one).fma(r, one);
            FloatVector scale = k.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
            p = p.mul(scale).blend(0f, underflow);
            p.intoArray(sc, o + j);
            total = total.add(p);
        }
        float[] lanes = new float[F.length()];
        total.intoArray(lanes, 0);
        float sum = 0;
        for (float v : lanes) sum += v;
        return sum;
    }
}
