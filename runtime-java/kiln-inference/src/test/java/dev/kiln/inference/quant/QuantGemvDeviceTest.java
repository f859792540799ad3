package dev.kiln.inference.quant;

import dev.kiln.device.Buffer;
import dev.kiln.device.Device;
import dev.kiln.device.Devices;
import dev.kiln.inference.tensor.Tensor;
import dev.kiln.inference.tensor.TensorType;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The portable {@code quant_gemv} program (one OpenCL/CUDA source; the cpu program) against fp64 on the values the
 * blocks stand for, within {@code (in + 2)·2⁻²⁴·Σ|w·x|}; fp16 scales include subnormal ones. OpenCL runs on PoCL where
 * it is installed; CUDA is skipped without a GPU (GPU run pending).
 */
class QuantGemvDeviceTest {
    static final long SEED = Long.getLong("kiln.test.seed", System.nanoTime());

    @ParameterizedTest(name = "{0} {1}: batch {2}, in {3}, out {4}")
    @CsvSource({"cpu, Q8_0, 1, 2048, 37", "cpu, Q4_0, 3, 96, 20", "opencl, Q8_0, 1, 2048, 37", "opencl, Q4_0, 3, 96, 20",
            "opencl, Q8_0, 2, 32, 5", "cuda, Q8_0, 1, 2048, 37", "cuda, Q4_0, 3, 96, 20"})
    void matches_fp64(String backend, TensorType type, int batch, int in, int out) {
        assumeTrue(Devices.availableNames().contains(backend), backend + " is not available here: "
                + Devices.find(backend).map(b -> b.availability().reason()).orElse("backend missing") + (backend.equals("cuda") ? " (GPU run pending)" : ""));
        SplittableRandom r = new SplittableRandom(SEED);
        float[] w = new float[out * in], x = new float[batch * in];
        for (int i = 0; i < w.length; i++) w[i] = (float) (r.nextGaussian() * (i % 97 == 0 ? 1e-6 : 1));   // some blocks get subnormal fp16 scales
        for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
        byte[] bytes = Quantize.encode(type, w);
        try (Arena arena = Arena.ofShared(); Device device = Devices.open(backend)) {
            MemorySegment wh = arena.allocate(bytes.length, 64);
            MemorySegment.copy(bytes, 0, wh, ValueLayout.JAVA_BYTE, 0, bytes.length);
            float[] values = new Tensor("w", type, new long[]{out, in}, wh).toFloats();
            try (Buffer wb = device.upload(wh); Buffer xb = device.upload(arena.allocateFrom(ValueLayout.JAVA_FLOAT, x));
                 Buffer yb = device.allocate((long) batch * out * Float.BYTES)) {
                QuantGemvKernels.gemv(device, type, wb, xb, yb, batch, in, out);
                device.queue().finish();
                MemorySegment yh = arena.allocate(yb.byteSize());
                device.queue().read(yb, 0, yh);
                for (int b = 0; b < batch; b++) {
                    for (int o = 0; o < out; o++) {
                        double want = 0, magnitude = 0;
                        for (int i = 0; i < in; i++) {
                            double p = (double) x[b * in + i] * values[o * in + i];
                            want += p;
                            magnitude += Math.abs(p);
                        }
                        float got = yh.getAtIndex(ValueLayout.JAVA_FLOAT, (long) b * out + o);
                        double bound = (in + 2) * Math.scalb(1.0, -24) * magnitude;
                        assertTrue(Math.abs(got - want) <= bound, backend + " " + type + ", seed " + SEED + ": y[" + b + "][" + o + "] = " + got + ", fp64 " + want);
                    }
                }
            }
        }
    }
}
