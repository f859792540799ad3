package dev.kiln.jmh;

import dev.kiln.device.Buffer;
import dev.kiln.device.Device;
import dev.kiln.device.Devices;
import dev.kiln.tconv.TConvData;
import dev.kiln.tconv.TConvImpls;
import dev.kiln.tconv.TConvOp;
import dev.kiln.tconv.TConvSpec;
import dev.kiln.tconv.TConvSuites;
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
 * Model layers of the MM2IM paper on the cpu: Kiln's mm2im and iom kernels against ONNX Runtime's
 * ConvTranspose (2 intra-op threads, session reused), fp32. One op per trial, prepared outside the timing;
 * the measured call is one whole TCONV (for ORT: session.run plus its NHWC↔NCHW copies, which
 * {@code kiln tconv bench} excludes). Run: {@code scripts/jmh TconvModelLayers -p layer=dcgan2,unet2}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class TconvModelLayers {
    @Param({"dcgan1", "dcgan2", "dcgan3", "dcgan4", "tf_dcgan1", "tf_dcgan2", "fcn3", "style1", "fsrcnn1", "pix2pix2", "pix2pix3", "pix2pix6"})
    public String layer;

    @Param({"mm2im", "iom", "ort"})
    public String impl;

    private Device device;
    private TConvOp op;
    private Buffer in, out;

    @Setup(Level.Trial)
    public void setUp() {
        TConvSpec s = TConvSuites.models().stream().filter(l -> l.name().equals(layer)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no model layer '" + layer + "'")).spec();
        TConvData.Fp32 d = TConvData.fp32(s, 42);
        device = Devices.open("cpu");
        op = TConvImpls.named(impl).fp32(device, s, d.weights(), d.bias());
        try (Arena arena = Arena.ofConfined()) {
            in = device.upload(arena.allocateFrom(ValueLayout.JAVA_FLOAT, d.input()));
        }
        out = device.allocate(4 * s.outputElements());
    }

    @Benchmark
    public Buffer tconv() {
        op.run(in, out).await();
        return out;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        in.close();
        out.close();
        op.close();
        device.close();
    }
}
