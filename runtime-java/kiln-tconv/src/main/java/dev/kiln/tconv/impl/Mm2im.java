package dev.kiln.tconv.impl;

import dev.kiln.device.Buffer;
import dev.kiln.device.Device;
import dev.kiln.tconv.TConvImpl;
import dev.kiln.tconv.TConvOp;
import dev.kiln.tconv.TConvSpec;
import dev.kiln.tconv.cpu.CpuWeights;
import dev.kiln.tconv.fpga.FpgaMm2im;
import dev.kiln.tconv.quant.Requantizer;
import dev.kiln.tconv.quant.Rounding;

import java.util.Optional;

import static dev.kiln.tconv.impl.KernelOp.INPUT;
import static dev.kiln.tconv.impl.KernelOp.OUTPUT;

/**
 * MM2IM: only the taps that land inside the output, summed output-stationary, rows finished in order
 * (kernel {@code mm2im_f32} / {@code mm2im_i8}). fp32 covers every ConvTranspose (1-D to 3-D, dilations,
 * groups, output padding); int8 the TFLite subset. On cpu the weights are packed in channel blocks for the
 * register tiles; OpenCL and CUDA read {@code [Oc, Kd, Kh, Kw, Ic/group]} as given.
 */
public final class Mm2im implements TConvImpl {
    /** Stateless: one instance serves every device and layer ({@link dev.kiln.tconv.TConvImpls}). */
    public Mm2im() {}

    @Override public String name() { return "mm2im"; }

    @Override
    public Optional<String> unsupported(String backend) {
        return FpgaMm2im.isFpga(backend) ? Optional.empty() : Backends.unsupported(name(), backend);
    }

    @Override
    public Optional<String> unsupported(String backend, boolean int8, Rounding rounding) {
        return FpgaMm2im.isFpga(backend) ? FpgaMm2im.unsupported(backend, int8, rounding) : unsupported(backend);
    }

    @Override
    public TConvOp fp32(Device d, TConvSpec s, float[] weights, float[] bias) {
        if (FpgaMm2im.isFpga(d.backendName())) throw new IllegalArgumentException(FpgaMm2im.unsupported(d.backendName(), false, null).orElseThrow());
        Backends.requireSupported(this, s, false);
        Backends.checkLengths(s, -1, weights.length, bias == null ? -1 : bias.length);
        Uploads u = new Uploads(d);
        Buffer w = u.floats(Backends.isCpu(d) ? CpuWeights.packMm2imFp32(s, weights) : weights);
        Buffer b = u.floats(Uploads.biasOrZeros(bias, s.oc()));
        return new KernelOp(d, s, u, 4).then("mm2im_f32", Backends.range(d, s.outputElements()), INPUT, w, b, OUTPUT);
    }

    @Override
    public TConvOp int8(Device d, TConvSpec s, byte[] weights, int[] bias, int inZp, Requantizer rq) {
        Backends.requireSupported(this, s, true);
        if (FpgaMm2im.isFpga(d.backendName())) return FpgaMm2im.int8(d, s, weights, bias, inZp, rq);
        Backends.checkLengths(s, -1, weights.length, bias == null ? -1 : bias.length);
        Uploads u = new Uploads(d);
        Buffer w = Backends.isCpu(d) ? u.ints(CpuWeights.packInt8(s, weights, false)) : u.bytes(weights);
        Buffer b = u.ints(Uploads.biasOrZeros(bias, s.oc()));
        Buffer m = u.ints(rq.multiplier()), sh = u.ints(rq.shift());
        return new KernelOp(d, s, u, 1).then("mm2im_i8", Backends.range(d, s.outputElements()),
                INPUT, w, b, m, sh, inZp, rq.outputZeroPoint(), rq.rounding().ordinal(), OUTPUT);
    }
}
