package dev.kiln.tconv.ort;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.kiln.device.Buffer;
import dev.kiln.device.Device;
import dev.kiln.device.Event;
import dev.kiln.tconv.OnnxLayout;
import dev.kiln.tconv.TConvImpl;
import dev.kiln.tconv.TConvOp;
import dev.kiln.tconv.TConvSpec;
import dev.kiln.tconv.quant.Requantizer;
import dev.kiln.tconv.reference.TConvReference;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.Map;
import java.util.Optional;

/**
 * ONNX Runtime's CPU {@code ConvTranspose} (MLAS SGEMM + Col2im, i.e. IOM) as an independent fp32 oracle and
 * as the CPU performance peer: a one-node model ({@link OnnxModels}), one session per layer, reused, with
 * 2 intra-op threads (the cores Kiln's kernels use), ORT's default thread spinning. ORT is NC[D]HW; the channels-last↔channels-first transposes happen outside
 * the timed {@code session.run}, so the event's time is ORT's ConvTranspose alone.
 */
public final class OrtConvTranspose implements TConvImpl {
    /** Stateless: one instance serves every device and layer ({@link dev.kiln.tconv.TConvImpls}). */
    public OrtConvTranspose() {}

    /** ORT's intra-op threads: the same core count Kiln's cpu kernels use (kiln.cpu.threads, else all cores). */
    public static final int THREADS = Integer.getInteger("kiln.cpu.threads", Runtime.getRuntime().availableProcessors());

    @Override public String name() { return "ort"; }

    @Override
    public Optional<String> unsupported(String backend) {
        return backend.equals("cpu") ? Optional.empty() : Optional.of("ort is ONNX Runtime's CPU ConvTranspose; it runs on the cpu backend only, not '" + backend + "'");
    }

    @Override public boolean supportsInt8() { return false; }

    @Override public boolean spinsBetweenRuns() { return true; }

    @Override
    public TConvOp fp32(Device device, TConvSpec spec, float[] weights, float[] bias) {
        TConvReference.checkLengths(spec, spec.inputElements(), weights.length, bias == null ? -1 : bias.length);
        if (!device.backendName().equals("cpu")) throw new IllegalArgumentException(unsupported(device.backendName()).orElseThrow());
        try {
            return new Op(device, spec, OnnxModels.convTranspose(spec, weights, bias));
        } catch (OrtException e) {
            throw new IllegalStateException("ONNX Runtime could not build ConvTranspose for " + spec.label() + ": " + e.getMessage(), e);
        }
    }

    @Override
    public TConvOp int8(Device device, TConvSpec spec, byte[] weights, int[] bias, int inputZeroPoint, Requantizer requantizer) {
        throw new UnsupportedOperationException("ort: ONNX ConvTranspose is float-only (no int8 ConvTranspose in ONNX Runtime's CPU provider)");
    }

    private static final class Op implements TConvOp {
        private final Device device;
        private final TConvSpec spec;
        private final OrtEnvironment env = OrtEnvironment.getEnvironment();
        private final OrtSession session;
        private final FloatBuffer nchw;
        private final OnnxTensor input;

        Op(Device device, TConvSpec spec, byte[] model) throws OrtException {
            this.device = device;
            this.spec = spec;
            try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
                options.setIntraOpNumThreads(THREADS);
                options.setInterOpNumThreads(1);
                options.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
                options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
                // ORT's pool threads otherwise spin between runs (-Dkiln.ort.spin=true restores that); on two shared cores they would take the cores
                // from Kiln's kernels (measured: Kiln's times doubled with an idle spinning session alive).
                options.addConfigEntry("session.intra_op.allow_spinning", Boolean.getBoolean("kiln.ort.spin") ? "1" : "0");
                this.session = env.createSession(model, options);
            }
            this.nchw = ByteBuffer.allocateDirect(Math.toIntExact(4 * spec.inputElements())).order(ByteOrder.nativeOrder()).asFloatBuffer();
            this.input = OnnxTensor.createTensor(env, nchw, OnnxLayout.inputShape(spec));
        }

        @Override public TConvSpec spec() { return spec; }

        @Override public Device device() { return device; }

        @Override
        public Event run(Buffer in, Buffer out) {
            MemorySegment x = in.hostSegment(), y = out.hostSegment();
            int hw = spec.id() * spec.ih() * spec.iw(), ic = spec.ic();
            for (int n = 0; n < spec.n(); n++)
                for (int p = 0; p < hw; p++)
                    for (int c = 0; c < ic; c++)
                        nchw.put((n * ic + c) * hw + p, x.getAtIndex(ValueLayout.JAVA_FLOAT, ((long) n * hw + p) * ic + c));
            long t0 = System.nanoTime();
            try (OrtSession.Result result = session.run(Map.of("x", input))) {
                long elapsed = System.nanoTime() - t0;
                FloatBuffer r = ((OnnxTensor) result.get(0)).getFloatBuffer();
                int ohw = spec.od() * spec.oh() * spec.ow(), oc = spec.oc();
                for (int n = 0; n < spec.n(); n++)
                    for (int c = 0; c < oc; c++)
                        for (int p = 0; p < ohw; p++)
                            y.setAtIndex(ValueLayout.JAVA_FLOAT, ((long) n * ohw + p) * oc + c, r.get((n * oc + c) * ohw + p));
                return Event.completed(elapsed);
            } catch (OrtException e) {
                throw new IllegalStateException("ONNX Runtime ConvTranspose failed for " + spec.label() + ": " + e.getMessage(), e);
            }
        }

        @Override
        public void close() {
            input.close();
            try {
                session.close();
            } catch (OrtException e) {
                throw new IllegalStateException("closing the ONNX Runtime session: " + e.getMessage(), e);
            }
        }
    }
}
