package dev.kiln.tconv.impl;

import dev.kiln.device.Buffer;
import dev.kiln.device.Device;
import dev.kiln.device.Range;
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
 * register tiles; OpenCL and CUDA read {@code [Oc, Kd, Kh, Kw, Ic/group]} as given, wide layers through
 * {@code mm2im_f32_tiled} and {@code mm2im_i8_tiled} (the compute map per stride phase, a GEMM tile in local
 * memory; int8 as 4-way byte dot products, {@code __dp4a} on CUDA).
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
        if (Backends.isCpu(d) || !usesTiledKernel(s)) {
            return new KernelOp(d, s, u, 4).then("mm2im_f32", Backends.range(d, s.outputElements()), INPUT, w, b, OUTPUT);
        }
        return new KernelOp(d, s, u, 4).then("mm2im_f32_tiled", tiledRange(s), INPUT, w, b, OUTPUT);
    }

    /** Tile geometry of {@code mm2im_f32_tiled} and {@code mm2im_i8_tiled} in tconv.cl: 32 output channels x 64 pixels of one stride phase, 256 items. */
    static final int TILE_OC = 32, TILE_PIXELS = 64, TILE_ITEMS = 256;

    /**
     * Whether OpenCL and CUDA run this layer through the tiled kernels: when a tile is at least half full of output
     * channels and input channels (16 of each per group) and a stride phase fills a tile of pixels (64). Otherwise
     * most of a 256-item group would compute padding; a 1x1 input, an RGB output layer or a depthwise layer then
     * runs faster one output element per item ({@code mm2im_f32}/{@code mm2im_i8}), as measured on PoCL
     * (docs/tconv.md) where the tiled kernel lost up to 100x on such layers and won 2-7x on wide ones.
     */
    public static boolean usesTiledKernel(TConvSpec s) {
        return s.oc() / s.group() >= TILE_OC / 2 && s.ic() / s.group() >= 16 && largestPhase(s) >= TILE_PIXELS;
    }

    /** Output pixels of the largest stride phase (phase 0): ceil(od/sd) x ceil(oh/sh) x ceil(ow/sw). */
    private static long largestPhase(TConvSpec s) {
        return (long) Math.ceilDiv(s.od(), s.sd()) * Math.ceilDiv(s.oh(), s.sh()) * Math.ceilDiv(s.ow(), s.sw());
    }

    /** One work-group per (batch, stride phase, pixel tile, channel group, channel tile), as the kernel decodes it. */
    static Range tiledRange(TConvSpec s) {
        long groups = (long) s.n() * s.sd() * s.sh() * s.sw() * Math.ceilDiv(largestPhase(s), TILE_PIXELS)
                * s.group() * Math.ceilDiv(s.oc() / s.group(), TILE_OC);
        return Range.of1D(groups * TILE_ITEMS, TILE_ITEMS);
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
        boolean tiled = !Backends.isCpu(d) && usesTiledKernel(s);
        return new KernelOp(d, s, u, 1).then(tiled ? "mm2im_i8_tiled" : "mm2im_i8", tiled ? tiledRange(s) : Backends.range(d, s.outputElements()),
                INPUT, w, b, m, sh, inZp, rq.outputZeroPoint(), rq.rounding().ordinal(), OUTPUT);
    }
}
