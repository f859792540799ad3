package dev.kiln.tconv.cpu;

import dev.kiln.device.cpu.CpuLaunch;
import dev.kiln.tconv.TConvSpec;

/**
 * The layer as every tconv kernel receives it: the first 13 launch arguments, in this order, on all
 * backends ({@code kernels/opencl/tconv.cl} and {@code kernels/cuda/tconv.cu} take the same ints).
 */
public record Geometry(int n, int ih, int iw, int ic, int oc, int kh, int kw, int sh, int sw, int pt, int pl, int oh, int ow) {
    public static final int ARGS = 13;

    public static Object[] args(TConvSpec s) {
        return new Object[]{s.n(), s.ih(), s.iw(), s.ic(), s.oc(), s.kh(), s.kw(), s.sh(), s.sw(), s.padTop(), s.padLeft(), s.oh(), s.ow()};
    }

    static Geometry of(CpuLaunch l) {
        return new Geometry(l.intArg(0), l.intArg(1), l.intArg(2), l.intArg(3), l.intArg(4), l.intArg(5), l.intArg(6),
                l.intArg(7), l.intArg(8), l.intArg(9), l.intArg(10), l.intArg(11), l.intArg(12));
    }

    /** First input column whose tap {@code kx} lands at output column >= 0. */
    int ixLo(int kx) { return Math.max(0, Math.ceilDiv(pl - kx, sw)); }

    /** One past the last input column whose tap {@code kx} lands at output column < ow. */
    int ixHi(int kx) { return Math.min(iw, Math.floorDiv(ow - 1 + pl - kx, sw) + 1); }

    /** The input row feeding output row {@code oy} through tap row {@code ky}, or -1 if none. */
    int inputRow(int oy, int ky) {
        int t = oy + pt - ky;
        if (t < 0 || t % sh != 0) return -1;
        int iy = t / sh;
        return iy < ih ? iy : -1;
    }
}
