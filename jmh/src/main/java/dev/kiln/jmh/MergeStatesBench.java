package dev.kiln.jmh;

import dev.kiln.attention.AttentionKernels;
import dev.kiln.device.Buffer;
import dev.kiln.device.Device;
import dev.kiln.device.Devices;
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

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/** The N-way (O, LSE) merge of one decode step of Llama-3-8B (32 heads × 128) against the number of shards. */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--add-modules=jdk.incubator.vector"})
@State(Scope.Benchmark)
public class MergeStatesBench {
    @Param({"2", "8", "64"})
    int shards;

    @Param({"cpu"})
    String backend;

    private static final int ROWS = 32, DIM = 128;
    private Device device;
    private Buffer o, lse, outO, outLse;

    @Setup(Level.Trial)
    public void setup() {
        device = Devices.open(backend);
        SplittableRandom r = new SplittableRandom(5);
        try (java.lang.foreign.Arena a = java.lang.foreign.Arena.ofConfined()) {
            float[] ov = new float[shards * ROWS * DIM], lv = new float[shards * ROWS];
            for (int i = 0; i < ov.length; i++) ov[i] = (float) r.nextGaussian();
            for (int i = 0; i < lv.length; i++) lv[i] = (float) r.nextDouble(-10, 10);
            o = device.upload(a.allocateFrom(java.lang.foreign.ValueLayout.JAVA_FLOAT, ov));
            lse = device.upload(a.allocateFrom(java.lang.foreign.ValueLayout.JAVA_FLOAT, lv));
        }
        outO = device.allocate((long) ROWS * DIM * 4);
        outLse = device.allocate(ROWS * 4L);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        o.close(); lse.close(); outO.close(); outLse.close();
        device.close();
    }

    @Benchmark
    public void merge() {
        AttentionKernels.merge(device, o, lse, outO, outLse, shards, ROWS, DIM, 0, ROWS * DIM, DIM, 0, ROWS, 1);
        device.queue().finish();
    }
}
