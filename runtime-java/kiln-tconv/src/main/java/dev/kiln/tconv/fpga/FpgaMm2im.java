package dev.kiln.tconv.fpga;

import dev.kiln.device.Buffer;
import dev.kiln.device.Device;
import dev.kiln.device.Event;
import dev.kiln.device.Range;
import dev.kiln.device.fpga.Mm2imDriver;
import dev.kiln.device.fpga.Mm2imKernel;
import dev.kiln.device.fpga.Mm2imLayer;
import dev.kiln.device.fpga.PpuRounding;
import dev.kiln.tconv.TConvOp;
import dev.kiln.tconv.TConvSpec;
import dev.kiln.tconv.quant.Requantizer;
import dev.kiln.tconv.quant.Rounding;

import java.lang.foreign.Arena;
import java.lang.foreign.ValueLayout;
import java.util.Optional;

/**
 * MM2IM on the FPGA accelerator (backends {@code fpga-sim} and {@code fpga-xrt}): the layer's weights and
 * requantisation parameters are uploaded once, each {@link TConvOp#run} is one launch of the device's
 * {@code mm2im/tconv_int8} kernel, which the backend's driver turns into the accelerator's protocol.
 * The accelerator is int8 only. Its PPU rounds once as in the paper (TFLite's single rounding), or twice
 * as TFLite's default build does (gemmlowp), chosen per layer by the LOAD_CONFIG rounding word.
 */
public final class FpgaMm2im {
    private FpgaMm2im() {}

    public static boolean isFpga(String backend) { return backend.startsWith("fpga-"); }

    /**
     * Why the accelerator cannot run this request, or empty. The reason names no command-line option: each
     * command adds its own route to int8 (see the CLI's TconvLayers.unsupported).
     */
    public static Optional<String> unsupported(String backend, boolean int8, Rounding rounding) {
        if (!int8) return Optional.of("mm2im on " + backend + " is int8 only (the accelerator has no fp32 datapath)");
        return Optional.empty();
    }

    static PpuRounding ppu(Rounding r) { return r == Rounding.SINGLE ? PpuRounding.SINGLE : PpuRounding.DOUBLE; }

    public static TConvOp int8(Device d, TConvSpec s, byte[] weights, int[] bias, int inputZeroPoint, Requantizer rq) {
        unsupported(d.backendName(), true, rq.rounding()).ifPresent(why -> {
            throw new IllegalArgumentException(why);
        });
        dev.kiln.tconv.reference.TConvReference.checkLengths(s, s.inputElements(), weights.length, bias == null ? -1 : bias.length);
        Mm2imLayer layer = new Mm2imLayer(s.ih(), s.iw(), s.ic(), s.oc(), s.kh(), s.kw(), s.sh(), s.sw(), s.padTop(), s.padLeft(),
                s.oh(), s.ow(), inputZeroPoint, rq.outputZeroPoint());
        try (Arena arena = Arena.ofConfined()) {
            Buffer w = d.upload(arena.allocateFrom(ValueLayout.JAVA_BYTE, weights));
            Buffer b = d.upload(arena.allocateFrom(ValueLayout.JAVA_INT, bias == null ? new int[s.oc()] : bias));
            Buffer m = d.upload(arena.allocateFrom(ValueLayout.JAVA_INT, rq.multiplier()));
            Buffer sh = d.upload(arena.allocateFrom(ValueLayout.JAVA_INT, rq.shift()));
            return new Op(d, s, layer, ppu(rq.rounding()), w, b, m, sh);
        }
    }

    private record Op(Device device, TConvSpec spec, Mm2imLayer layer, PpuRounding rounding, Buffer w, Buffer bias, Buffer multiplier,
                      Buffer shift)
            implements TConvOp {
        @Override
        public Event run(Buffer input, Buffer output) {
            Object[] args = Mm2imKernel.args(input, w, bias, multiplier, shift, output, spec.n(), layer, Mm2imDriver.Leftover.CPU, rounding);
            return device.queue().launch(device.kernel(Mm2imKernel.PROGRAM, Mm2imKernel.FUNCTION), Range.of1D(1, 1), args);
        }

        @Override
        public void close() {
            shift.close();
            multiplier.close();
            bias.close();
            w.close();
        }
    }
}
