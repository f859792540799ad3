package dev.kiln.jmh;

import com.aparapi.Kernel;
import com.aparapi.Range;
import dev.kiln.device.Buffer;
import dev.kiln.device.Device;
import dev.kiln.device.Devices;
import dev.kiln.tconv.TConvData;
import dev.kiln.tconv.TConvImpls;
import dev.kiln.tconv.TConvOp;
import dev.kiln.tconv.TConvSpec;
import dev.kiln.tconv.TConvSuites;
import dev.kiln.tconv.TConvVerifier;
import dev.kiln.tconv.reference.TConvReference;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.lang.foreign.Arena;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.TimeUnit;

/**
 * The same MM2IM gather (one work item per output element, only the taps that land on it) written in Java
 * and translated to OpenCL by Aparapi 3.0.2, against Kiln's hand-written {@code tconv.cl} through the
 * Device API, both on PoCL. The Aparapi output is checked against the fp64 reference in setup. Aparapi's
 * call includes its host↔device array copies (its API has no device-resident arrays without explicit mode).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class TconvAparapi {
    @Param({"tf_dcgan2", "fcn3", "dcgan4"})
    public String layer;

    /** Java bytecode Aparapi turns into an OpenCL kernel: fields are the kernel's arguments. */
    static final class Mm2imKernel extends Kernel {
        final float[] x, w, bias, y;
        final int ih, iw, ic, oc, kh, kw, sh, sw, pt, pl, oh, ow, total;

        Mm2imKernel(TConvSpec s, float[] x, float[] w, float[] bias) {
            this.x = x; this.w = w; this.bias = bias;
            this.y = new float[(int) s.outputElements()];
            ih = s.ih(); iw = s.iw(); ic = s.ic(); oc = s.oc(); kh = s.kh(); kw = s.kw(); sh = s.sh(); sw = s.sw();
            pt = s.padTop(); pl = s.padLeft(); oh = s.oh(); ow = s.ow(); total = (int) s.outputElements();
        }

        @Override
        public void run() {
            int e = getGlobalId();
            if (e < total) {
                int o = e % oc, p = e / oc;
                int ox = p % ow, oy = (p / ow) % oh, b = p / (ow * oh);
                float acc = bias[o];
                int ty = oy + pt, tx = ox + pl;
                for (int ky = ty % sh; ky < kh; ky += sh) {
                    int iy = (ty - ky) / sh;
                    if (iy >= 0 && iy < ih) {
                        for (int kx = tx % sw; kx < kw; kx += sw) {
                            int ix = (tx - kx) / sw;
                            if (ix >= 0 && ix < iw) {
                                int xi = ((b * ih + iy) * iw + ix) * ic, wi = ((o * kh + ky) * kw + kx) * ic;
                                for (int c = 0; c < ic; c++) acc += x[xi + c] * w[wi + c];
                            }
                        }
                    }
                }
                y[e] = acc;
            }
        }
    }

    private Mm2imKernel aparapi;
    private Range range;
    private Device opencl;
    private TConvOp kiln;
    private Buffer in, out;

    @Setup(Level.Trial)
    public void setUp() {
        TConvSpec s = TConvSuites.models().stream().filter(l -> l.name().equals(layer)).findFirst().orElseThrow().spec();
        TConvData.Fp32 d = TConvData.fp32(s, 7);
        aparapi = new Mm2imKernel(s, d.input(), d.weights(), d.bias());
        range = Range.create(Math.ceilDiv((int) s.outputElements(), 64) * 64, 64);
        aparapi.execute(range);
        if (aparapi.getExecutionMode() != Kernel.EXECUTION_MODE.GPU && !String.valueOf(aparapi.getTargetDevice()).contains("pocl")) {
            System.err.println("Aparapi target: " + aparapi.getTargetDevice() + " mode " + aparapi.getExecutionMode());
        }
        double[] ref = TConvReference.fp64(s, d.input(), d.weights(), d.bias());
        var check = TConvVerifier.compareFp32("aparapi", "opencl", s, ref, aparapi.y, 7);
        if (!check.passed()) throw new IllegalStateException("Aparapi MM2IM disagrees with the reference: " + check);
        opencl = Devices.open("opencl");
        kiln = TConvImpls.named("mm2im").fp32(opencl, s, d.weights(), d.bias());
        try (Arena arena = Arena.ofConfined()) {
            in = opencl.upload(arena.allocateFrom(ValueLayout.JAVA_FLOAT, d.input()));
        }
        out = opencl.allocate(4 * s.outputElements());
    }

    @Benchmark
    public float[] aparapiMm2im() {
        aparapi.execute(range);
        return aparapi.y;
    }

    @Benchmark
    public Buffer kilnOpenClMm2im() {
        kiln.run(in, out).await();
        return out;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        aparapi.dispose();
        in.close();
        out.close();
        kiln.close();
        opencl.close();
    }
}
