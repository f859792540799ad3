package dev.kiln.tconv.cpu;

import dev.kiln.device.cpu.CpuLaunch;
import dev.kiln.tconv.TConvSpec;

/**
 * The layer as every tconv kernel receives it: the first {@link #ARGS} launch arguments, in this order, on
 * all backends ({@code kernels/opencl/tconv.cl} and {@code kernels/cuda/tconv.cu} take the same ints). The
 * first 13 are the 2-D layer; depth, dilations and groups follow (1, 1, 1, 0, 1, 1, 1, 1, 1 for a 2-D
 * TFLite-shaped layer). {@code ic} and {@code oc} count all channels; a group has {@code ic/groups} of each.
 */
public record Geometry(int n, int ih, int iw, int ic, int oc, int kh, int kw, int sh, int sw, int pt, int pl, int oh, int ow,
                       int id, int kd, int sd, int pd, int od, int dd, int dh, int dw, int groups) {
    public static final int ARGS = 22;

    public static Object[] args(TConvSpec s) {
        return new Object[]{s.n(), s.ih(), s.iw(), s.ic(), s.oc(), s.kh(), s.kw(), s.sh(), s.sw(), s.padTop(), s.padLeft(), s.oh(), s.ow(),
                s.id(), s.kd(), s.sd(), s.padFront(), s.od(), s.dd(), s.dh(), s.dw(), s.group()};
    }

    static Geometry of(TConvSpec s) {
        Object[] a = args(s);
        int[] v = new int[ARGS];
        for (int i = 0; i < ARGS; i++) v[i] = (Integer) a[i];
        return of(v);
    }

    static Geometry of(CpuLaunch l) {
        int[] v = new int[ARGS];
        for (int i = 0; i < ARGS; i++) v[i] = l.intArg(i);
        return of(v);
    }

    private static Geometry of(int[] v) {
        return new Geometry(v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10], v[11], v[12],
                v[13], v[14], v[15], v[16], v[17], v[18], v[19], v[20], v[21]);
    }

    int icg() { return ic / groups; }

    int ocg() { return oc / groups; }

    /** The 2-D, group-1, undilated layer the narrow and int8 kernels were written for. */
    boolean plain2d() { return id == 1 && kd == 1 && od == 1 && dh == 1 && dw == 1 && groups == 1; }

    /** First input column whose tap {@code kx} lands at output column >= {@code ox0}. */
    int ixLo(int kx, int ox0) { return Math.max(0, Math.ceilDiv(ox0 + pl - kx * dw, sw)); }

    /** One past the last input column whose tap {@code kx} lands at output column < {@code ox1}. */
    int ixHi(int kx, int ox1) { return Math.min(iw, Math.floorDiv(ox1 - 1 + pl - kx * dw, sw) + 1); }

    int ixLo(int kx) { return ixLo(kx, 0); }

    int ixHi(int kx) { return ixHi(kx, ow); }

    /** The input row feeding output row {@code oy} through tap row {@code ky}, or -1 if none. */
    int inputRow(int oy, int ky) { return inputIndex(oy + pt - ky * dh, sh, ih); }

    /** The input slice feeding output slice {@code oz} through tap slice {@code kz}, or -1 if none. */
    int inputSlice(int oz, int kz) { return inputIndex(oz + pd - kz * dd, sd, id); }

    private static int inputIndex(int t, int s, int in) {
        if (t < 0 || t % s != 0) return -1;
        int i = t / s;
        return i < in ? i : -1;
    }
}
