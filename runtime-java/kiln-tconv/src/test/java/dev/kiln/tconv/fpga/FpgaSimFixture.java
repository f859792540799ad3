package dev.kiln.tconv.fpga;

import dev.kiln.device.fpga.Mm2imDriver;
import dev.kiln.device.fpga.Mm2imEvent;
import dev.kiln.device.fpga.Mm2imKernel;
import dev.kiln.device.fpga.Mm2imLayer;
import dev.kiln.device.fpga.Mm2imRunStats;
import dev.kiln.device.fpga.PpuRounding;

import dev.kiln.device.Buffer;
import dev.kiln.device.Device;
import dev.kiln.tconv.TConvSpec;
import dev.kiln.tconv.quant.Int8Quant;
import dev.kiln.tconv.quant.Requantizer;
import dev.kiln.tconv.quant.Rounding;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/** Runs an int8 TCONV on an fpga device through the Device API (buffers, kernel, launch), as a workload does. */
final class FpgaSimFixture {
    private FpgaSimFixture() {}

    record Case(TConvSpec spec, byte[] x, byte[] w, int[] bias, int zpIn, Requantizer rq) {}

    static Mm2imLayer layer(TConvSpec s, int zpIn, int zpOut) {
        return new Mm2imLayer(s.ih(), s.iw(), s.ic(), s.oc(), s.kh(), s.kw(), s.sh(), s.sw(), s.padTop(), s.padLeft(), s.oh(), s.ow(), zpIn, zpOut);
    }

    /** Random int8 tensors with an output scale that spreads the accumulators over the int8 range. */
    static Case randomCase(TConvSpec s, SplittableRandom r) { return randomCase(s, r, Rounding.SINGLE); }

    static Case randomCase(TConvSpec s, SplittableRandom r, Rounding rounding) {
        byte[] x = new byte[Math.toIntExact(s.inputElements())], w = new byte[Math.toIntExact(s.weightElements())];
        for (int i = 0; i < x.length; i++) x[i] = (byte) r.nextInt(-128, 128);
        for (int i = 0; i < w.length; i++) w[i] = (byte) r.nextInt(-127, 128);
        int zpIn = r.nextInt(-128, 128), zpOut = r.nextInt(-128, 128);
        float inScale = (float) r.nextDouble(0.005, 0.05);
        float[] ws = new float[s.oc()];
        for (int c = 0; c < ws.length; c++) ws[c] = (float) r.nextDouble(0.002, 0.02);
        double accStd = Math.sqrt(Math.max(1.0, (double) s.kh() * s.kw() / (s.sh() * s.sw())) * s.ic()) * 128 * 74;
        float outScale = (float) (inScale * 0.011 * accStd / 40);
        int[] bias = new int[s.oc()];
        for (int c = 0; c < bias.length; c++) bias[c] = (int) r.nextLong((long) -accStd, (long) accStd + 1);
        Requantizer rq = new Int8Quant(inScale, zpIn, ws, outScale, zpOut).requantizer(s.oc(), rounding);
        return new Case(s, x, w, bias, zpIn, rq);
    }

    record Result(byte[] output, Mm2imRunStats stats) {}

    static byte[] run(Device d, Case c, Mm2imDriver.Leftover leftover) { return runWithStats(d, c, leftover).output(); }

    static Result runWithStats(Device d, Case c, Mm2imDriver.Leftover leftover) {
        TConvSpec s = c.spec();
        try (Arena arena = Arena.ofConfined();
             Buffer x = d.upload(arena.allocateFrom(JAVA_BYTE, c.x()));
             Buffer w = d.upload(arena.allocateFrom(JAVA_BYTE, c.w()));
             Buffer b = d.upload(arena.allocateFrom(JAVA_INT, c.bias()));
             Buffer m = d.upload(arena.allocateFrom(JAVA_INT, c.rq().multiplier()));
             Buffer sh = d.upload(arena.allocateFrom(JAVA_INT, c.rq().shift()));
             Buffer y = d.allocate(s.outputElements())) {
            Object[] args = Mm2imKernel.args(x, w, b, m, sh, y, s.n(), layer(s, c.zpIn(), c.rq().outputZeroPoint()), leftover,
                    c.rq().rounding() == Rounding.SINGLE ? PpuRounding.SINGLE : PpuRounding.DOUBLE);
            var event = (Mm2imEvent) d.queue().launch(d.kernel(Mm2imKernel.PROGRAM, Mm2imKernel.FUNCTION), dev.kiln.device.Range.of1D(1, 1), args);
            event.await();
            MemorySegment out = arena.allocate(s.outputElements());
            d.queue().read(y, 0, out);
            return new Result(out.toArray(JAVA_BYTE), event.stats());
        }
    }
}
