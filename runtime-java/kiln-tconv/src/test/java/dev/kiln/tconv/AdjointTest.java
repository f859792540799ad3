package dev.kiln.tconv;

import dev.kiln.tconv.testing.RandomSpecs;
import dev.kiln.device.Device;
import dev.kiln.device.Devices;
import dev.kiln.tconv.reference.TConvReference;
import org.junit.jupiter.api.RepeatedTest;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Transposed convolution is the adjoint of strided convolution with the same weights and geometry:
 * ⟨conv(y), x⟩ = ⟨y, tconv(x)⟩ for every x and y. {@code conv} here is written independently (a gather over
 * the output, not the reference's scatter), so the identity checks the reference and the kernels at once.
 */
class AdjointTest {
    /** Forward strided conv: x'[n,iy,ix,c] = Σ_{ky,kx,oc} y[n, iy·sh−pt+ky, ix·sw−pl+kx, oc] · w[oc,ky,kx,c]. */
    static double[] conv(TConvSpec s, double[] y, float[] w) {
        double[] out = new double[Math.toIntExact(s.inputElements())];
        int oh = s.oh(), ow = s.ow();
        for (int n = 0; n < s.n(); n++)
            for (int iy = 0; iy < s.ih(); iy++)
                for (int ix = 0; ix < s.iw(); ix++)
                    for (int c = 0; c < s.ic(); c++) {
                        double sum = 0;
                        for (int ky = 0; ky < s.kh(); ky++) {
                            int oy = iy * s.sh() - s.padTop() + ky;
                            if (oy < 0 || oy >= oh) continue;
                            for (int kx = 0; kx < s.kw(); kx++) {
                                int ox = ix * s.sw() - s.padLeft() + kx;
                                if (ox < 0 || ox >= ow) continue;
                                for (int oc = 0; oc < s.oc(); oc++) {
                                    sum += y[((n * oh + oy) * ow + ox) * s.oc() + oc] * w[((oc * s.kh() + ky) * s.kw() + kx) * s.ic() + c];
                                }
                            }
                        }
                        out[((n * s.ih() + iy) * s.iw() + ix) * s.ic() + c] = sum;
                    }
        return out;
    }

    /**
     * The general forward conv (depth, dilations, groups), again as a gather:
     * x'[n,iz,iy,ix,c] = Σ y[n, iz·sd−pf+kz·dd, iy·sh−pt+ky·dh, ix·sw−pl+kx·dw, oc] · w[oc,kz,ky,kx,c mod Icg] over the
     * taps and the output channels {@code oc} of input channel {@code c}'s group.
     */
    static double[] convGeneral(TConvSpec s, double[] y, float[] w) {
        double[] out = new double[Math.toIntExact(s.inputElements())];
        int od = s.od(), oh = s.oh(), ow = s.ow(), icg = s.icPerGroup(), ocg = s.ocPerGroup();
        for (int n = 0; n < s.n(); n++)
            for (int iz = 0; iz < s.id(); iz++)
                for (int iy = 0; iy < s.ih(); iy++)
                    for (int ix = 0; ix < s.iw(); ix++)
                        for (int c = 0; c < s.ic(); c++) {
                            double sum = 0;
                            int g = c / icg;
                            for (int kz = 0; kz < s.kd(); kz++) {
                                int oz = iz * s.sd() - s.padFront() + kz * s.dd();
                                if (oz < 0 || oz >= od) continue;
                                for (int ky = 0; ky < s.kh(); ky++) {
                                    int oy = iy * s.sh() - s.padTop() + ky * s.dh();
                                    if (oy < 0 || oy >= oh) continue;
                                    for (int kx = 0; kx < s.kw(); kx++) {
                                        int ox = ix * s.sw() - s.padLeft() + kx * s.dw();
                                        if (ox < 0 || ox >= ow) continue;
                                        for (int oc = g * ocg; oc < (g + 1) * ocg; oc++) {
                                            sum += y[(((n * od + oz) * oh + oy) * ow + ox) * s.oc() + oc]
                                                    * w[(((oc * s.kd() + kz) * s.kh() + ky) * s.kw() + kx) * icg + c % icg];
                                        }
                                    }
                                }
                            }
                            out[(((n * s.id() + iz) * s.ih() + iy) * s.iw() + ix) * s.ic() + c] = sum;
                        }
        return out;
    }

    @RepeatedTest(20)
    void every_attribute_is_the_adjoint_of_its_strided_conv() {
        long seed = System.nanoTime();
        SplittableRandom r = new SplittableRandom(seed);
        check(RandomSpecs.general(r), r, seed, true);
    }

    @RepeatedTest(20)
    void tconv_is_the_adjoint_of_strided_conv() {
        long seed = System.nanoTime();
        SplittableRandom r = new SplittableRandom(seed);
        check(RandomSpecs.next(r), r, seed, false);
    }

    private static void check(TConvSpec s, SplittableRandom r, long seed, boolean general) {
        TConvData.Fp32 d = TConvData.fp32(s, seed);
        double[] y = new double[Math.toIntExact(s.outputElements())];
        for (int i = 0; i < y.length; i++) y[i] = r.nextDouble(-1, 1);
        double[] convY = general ? convGeneral(s, y, d.weights()) : conv(s, y, d.weights());
        double lhs = 0, scale = 0;
        for (int i = 0; i < convY.length; i++) {
            lhs += convY[i] * d.input()[i];
            scale += Math.abs(convY[i] * d.input()[i]);
        }
        double[] tx = TConvReference.fp64(s, d.input(), d.weights(), null);
        double rhs = 0;
        for (int i = 0; i < y.length; i++) rhs += y[i] * tx[i];
        assertEquals(lhs, rhs, 1e-12 * Math.max(1, scale), "reference, " + s + " seed=" + seed);
        try (Device cpu = Devices.open("cpu")) {
            for (TConvImpl impl : TConvImpls.kernels()) {
                if (impl.unsupported(s, false).isPresent()) continue;
                float[] t = TConvRunner.fp32(impl, cpu, s, d.input(), d.weights(), null);
                double k = 0, kscale = 0;
                for (int i = 0; i < y.length; i++) {
                    k += y[i] * t[i];
                    kscale += Math.abs(y[i] * t[i]);
                }
                assertEquals(lhs, k, 1e-5 * Math.max(1, Math.max(scale, kscale)), impl.name() + ", " + s + " seed=" + seed);
            }
        }
    }
}
