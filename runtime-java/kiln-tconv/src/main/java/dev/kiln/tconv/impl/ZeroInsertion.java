package dev.kiln.tconv.impl;

import dev.kiln.device.Buffer;
import dev.kiln.device.Device;
import dev.kiln.tconv.TConvImpl;
import dev.kiln.tconv.TConvOp;
import dev.kiln.tconv.TConvSpec;
import dev.kiln.tconv.cpu.CpuWeights;
import dev.kiln.tconv.quant.Requantizer;

import java.util.Optional;

import static dev.kiln.tconv.impl.KernelOp.INPUT;
import static dev.kiln.tconv.impl.KernelOp.OUTPUT;

/**
 * The naive baseline: insert {@code s − 1} zeros between input pixels and pad ({@code zero_insert}), then a
 * stride-1 convolution with the flipped kernel ({@code zi_conv_*}); about {@code 1 − 1/s²} of its MACs hit zeros.
 */
public final class ZeroInsertion implements TConvImpl {
    /** Stateless: one instance serves every device and layer ({@link dev.kiln.tconv.TConvImpls}). */
    public ZeroInsertion() {}

    @Override public String name() { return "zero-insertion"; }

    @Override public Optional<String> unsupported(String backend) { return Backends.unsupported(name(), backend); }

    private static long zElements(TConvSpec s) {
        return (long) s.n() * (s.oh() + s.kh() - 1) * (s.ow() + s.kw() - 1) * s.ic();
    }

    @Override
    public Optional<String> unsupported(TConvSpec s, boolean int8) { return Backends.tfliteOnly(name(), s, int8); }

    @Override
    public TConvOp fp32(Device d, TConvSpec s, float[] weights, float[] bias) {
        Backends.requireSupported(this, s, false);
        Backends.checkLengths(s, -1, weights.length, bias == null ? -1 : bias.length);
        Uploads u = new Uploads(d);
        Buffer w = u.floats(Backends.isCpu(d) ? CpuWeights.packFp32(s, weights, true) : FlippedWeights.of(s, weights));
        Buffer b = u.floats(Uploads.biasOrZeros(bias, s.oc()));
        Buffer z = u.scratch(4 * zElements(s));
        return new KernelOp(d, s, u, 4)
                .then("zero_insert", Backends.range(d, zElements(s)), INPUT, z, 4, 0)
                .then("zi_conv_f32", Backends.range(d, s.outputElements()), z, w, b, OUTPUT);
    }

    @Override
    public TConvOp int8(Device d, TConvSpec s, byte[] weights, int[] bias, int inZp, Requantizer rq) {
        Backends.requireSupported(this, s, true);
        Backends.checkLengths(s, -1, weights.length, bias == null ? -1 : bias.length);
        Uploads u = new Uploads(d);
        Buffer w = Backends.isCpu(d) ? u.ints(CpuWeights.packInt8(s, weights, true)) : u.bytes(FlippedWeights.of(s, weights));
        Buffer b = u.ints(Uploads.biasOrZeros(bias, s.oc()));
        Buffer m = u.ints(rq.multiplier()), sh = u.ints(rq.shift());
        Buffer z = u.scratch(zElements(s));
        return new KernelOp(d, s, u, 1)
                .then("zero_insert", Backends.range(d, zElements(s)), INPUT, z, 1, inZp)
                .then("zi_conv_i8", Backends.range(d, s.outputElements()), z, w, b, m, sh, inZp, rq.outputZeroPoint(), rq.rounding().ordinal(), OUTPUT);
    }
}
