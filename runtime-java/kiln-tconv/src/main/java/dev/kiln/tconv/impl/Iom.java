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
 * IOM (TFLite / ONNX Runtime / PyTorch CPU): GEMM of every input pixel with every tap into a column buffer
 * (kernel {@code iom_gemm_*}), then col2im sums the entries that land inside the output and crops the rest
 * ({@code iom_col2im_*}). The column buffer is allocated once per op.
 */
public final class Iom implements TConvImpl {
    /** Stateless: one instance serves every device and layer ({@link dev.kiln.tconv.TConvImpls}). */
    public Iom() {}

    @Override public String name() { return "iom"; }

    @Override public Optional<String> unsupported(String backend) { return Backends.unsupported(name(), backend); }

    private static long colElements(Device d, TConvSpec s, int block) {
        int oc = Backends.isCpu(d) ? Math.ceilDiv(s.oc(), block) * block : s.oc();
        return (long) s.n() * s.ih() * s.iw() * s.kh() * s.kw() * oc;
    }

    @Override
    public Optional<String> unsupported(TConvSpec s, boolean int8) { return Backends.tfliteOnly(name(), s, int8); }

    @Override
    public TConvOp fp32(Device d, TConvSpec s, float[] weights, float[] bias) {
        Backends.requireSupported(this, s, false);
        Backends.checkLengths(s, -1, weights.length, bias == null ? -1 : bias.length);
        Uploads u = new Uploads(d);
        Buffer w = u.floats(Backends.isCpu(d) ? CpuWeights.packIomFp32(s, weights) : weights);
        Buffer b = u.floats(Uploads.biasOrZeros(bias, s.oc()));
        // cpu: [N·Ih·Iw][pitch] plus one vector of slack for col2im's padded reads
        long cols = Backends.isCpu(d) ? (long) s.n() * s.ih() * s.iw() * CpuWeights.iomColPitchF32(s) + 64
                : (long) s.n() * s.ih() * s.iw() * s.kh() * s.kw() * s.oc();
        Buffer col = u.scratch(4 * cols);
        return new KernelOp(d, s, u, 4)
                .then("iom_gemm_f32", Backends.range(d, cols), INPUT, w, col)
                .then("iom_col2im_f32", Backends.range(d, s.outputElements()), col, b, OUTPUT);
    }

    @Override
    public TConvOp int8(Device d, TConvSpec s, byte[] weights, int[] bias, int inZp, Requantizer rq) {
        Backends.requireSupported(this, s, true);
        Backends.checkLengths(s, -1, weights.length, bias == null ? -1 : bias.length);
        Uploads u = new Uploads(d);
        Buffer w = Backends.isCpu(d) ? u.ints(CpuWeights.packInt8(s, weights, false)) : u.bytes(weights);
        Buffer b = u.ints(Uploads.biasOrZeros(bias, s.oc()));
        Buffer m = u.ints(rq.multiplier()), sh = u.ints(rq.shift());
        long cols = colElements(d, s, CpuWeights.int8Block(s.oc()));
        Buffer col = u.scratch(4 * cols);
        return new KernelOp(d, s, u, 1)
                .then("iom_gemm_i8", Backends.range(d, cols), INPUT, w, inZp, col)
                .then("iom_col2im_i8", Backends.range(d, s.outputElements()), col, b, m, sh, rq.outputZeroPoint(), rq.rounding().ordinal(), OUTPUT);
    }
}
