package dev.kiln.device.fpga;

import dev.kiln.device.Buffer;

/**
 * The one kernel an fpga device has: program {@value #PROGRAM}, function {@value #FUNCTION}, an int8
 * transposed convolution with single-rounding requantisation. Launch arguments, in order (build them with
 * {@link #args}): buffers {@code x} int8 {@code [N,Ih,Iw,Ic]}, {@code w} int8 {@code [Oc,Kh,Kw,Ic]},
 * {@code bias}, {@code multiplier}, {@code shift} int32 {@code [Oc]}, {@code y} int8 {@code [N,Oh,Ow,Oc]}; then
 * the integers {@code N, Ih, Iw, Ic, Oc, Kh, Kw, sh, sw, pt, pl, Oh, Ow, zp_in, zp_out} and
 * {@code leftoverOnAccelerator} (0: {@code Oc mod 8} filters on the CPU, as in the paper; 1: on the accelerator)
 * and {@code rounding} ({@link PpuRounding#ordinal()}: 0 single, as the paper's PPU; 1 double, TFLite's default).
 */
public final class Mm2imKernel {
    public static final String PROGRAM = "mm2im";
    public static final String FUNCTION = "tconv_int8";
    static final int BUFFERS = 6;
    static final int ARGS = BUFFERS + 17;

    private Mm2imKernel() {}

    public static Object[] args(Buffer x, Buffer w, Buffer bias, Buffer multiplier, Buffer shift, Buffer y, int batch,
                                Mm2imLayer l, Mm2imDriver.Leftover leftover, PpuRounding rounding) {
        return new Object[]{x, w, bias, multiplier, shift, y, batch, l.ih(), l.iw(), l.ic(), l.oc(), l.kh(), l.kw(), l.sh(),
                l.sw(), l.pt(), l.pl(), l.oh(), l.ow(), l.inputZeroPoint(), l.outputZeroPoint(),
                leftover == Mm2imDriver.Leftover.ACCELERATOR ? 1 : 0, rounding.ordinal()};
    }
}
