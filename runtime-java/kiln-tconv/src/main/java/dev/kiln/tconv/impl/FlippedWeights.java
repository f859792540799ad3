package dev.kiln.tconv.impl;

import dev.kiln.tconv.TConvSpec;

/** OHWI weights with both tap axes reversed: the kernel of zero-insertion's stride-1 convolution (device kernels). */
final class FlippedWeights {
    private FlippedWeights() {}

    static int index(TConvSpec s, int oc, int ky, int kx) { return ((oc * s.kh() + ky) * s.kw() + kx) * s.ic(); }

    static float[] of(TConvSpec s, float[] w) {
        float[] out = new float[w.length];
        for (int oc = 0; oc < s.oc(); oc++)
            for (int ky = 0; ky < s.kh(); ky++)
                for (int kx = 0; kx < s.kw(); kx++)
                    System.arraycopy(w, index(s, oc, ky, kx), out, index(s, oc, s.kh() - 1 - ky, s.kw() - 1 - kx), s.ic());
        return out;
    }

    static byte[] of(TConvSpec s, byte[] w) {
        byte[] out = new byte[w.length];
        for (int oc = 0; oc < s.oc(); oc++)
            for (int ky = 0; ky < s.kh(); ky++)
                for (int kx = 0; kx < s.kw(); kx++)
                    System.arraycopy(w, index(s, oc, ky, kx), out, index(s, oc, s.kh() - 1 - ky, s.kw() - 1 - kx), s.ic());
        return out;
    }
}
