package dev.kiln.jmh;

import dev.kiln.attention.DecodeShape;
import dev.kiln.attention.KvDtype;
import dev.kiln.attention.MemoryBandwidth;
import dev.kiln.attention.PagedKvCache;
import dev.kiln.attention.SplitKvDecodeAttention;
import dev.kiln.device.Buffer;
import dev.kiln.device.Device;
import dev.kiln.device.Devices;
import dev.kiln.device.cpu.CpuParallel;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
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
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * One decode-attention step of Llama-3-8B's shape (32 query / 8 KV heads of 128, fp32 KV, batch 1):
 * Kiln's split-KV kernel (paged cache, GQA heads together, online softmax) against a llama3.java-style
 * three-pass baseline written here (per query head, in parallel over heads: scores materialised for
 * every position, softmax in place, weighted sum of V; K/V in one contiguous {@code [S][Hkv][D]} cache
 * as llama3.java keeps it), and against the read ceiling over the same bytes.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--add-modules=jdk.incubator.vector"})
@State(Scope.Benchmark)
public class DecodeAttentionBench {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final DecodeShape SHAPE = DecodeShape.gqa();

    @Param({"4096", "32768", "131072"})
    int context;

    private Device device;
    private PagedKvCache cache;
    private Buffer q;
    private final Arena arena = Arena.ofShared();
    private MemorySegment kFlat, vFlat;
    private float[] qHost, att, out;

    @Setup(Level.Trial)
    public void setup() {
        device = Devices.open("cpu");
        cache = new PagedKvCache(device, SHAPE, KvDtype.FP32, 64, 1, context);
        cache.fillSynthetic(context, 7);
        SplittableRandom r = new SplittableRandom(3);
        qHost = new float[SHAPE.qHeads() * SHAPE.kDim()];
        for (int i = 0; i < qHost.length; i++) qHost[i] = (float) r.nextGaussian();
        q = device.upload(arena.allocateFrom(ValueLayout.JAVA_FLOAT, qHost));
        long kvElems = (long) context * SHAPE.kvHeads() * SHAPE.kDim();
        kFlat = arena.allocate(kvElems * 4, 64);
        vFlat = arena.allocate(kvElems * 4, 64);
        for (long i = 0; i < kvElems; i += 1024) {
            kFlat.setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) r.nextGaussian());
            vFlat.setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) r.nextGaussian());
        }
        att = new float[SHAPE.qHeads() * context];
        out = new float[SHAPE.qHeads() * SHAPE.vDim()];
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        q.close();
        cache.close();
        device.close();
        arena.close();
    }

    @Benchmark
    public Object kilnSplitKv() {
        try (SplitKvDecodeAttention.Result r = SplitKvDecodeAttention.attend(q, cache, SHAPE.defaultScale(), 0)) {
            return r.splits();
        }
    }

    @Benchmark
    public float readCeilingSameBytes() {
        return MemoryBandwidth.readAll(cache.kPool().hostSegment()) + MemoryBandwidth.readAll(cache.vPool().hostSegment());
    }

    /** llama3.java's attention: three passes per head, scores materialised in att[h][t]. */
    @Benchmark
    public float[] threePassBaseline() {
        int hq = SHAPE.qHeads(), d = SHAPE.kDim(), kvDim = SHAPE.kvHeads() * d, kvMul = SHAPE.groupSize();
        float scale = SHAPE.defaultScale();
        CpuParallel.forEach(hq, h -> {
            int kvOff = (h / kvMul) * d;
            int attOff = h * context;
            for (int t = 0; t < context; t++) {
                att[attOff + t] = dot(qHost, h * d, kFlat, ((long) t * kvDim + kvOff) * 4, d) * scale;
            }
            float max = Float.NEGATIVE_INFINITY;
            for (int t = 0; t < context; t++) max = Math.max(max, att[attOff + t]);
            float sum = 0;
            for (int t = 0; t < context; t++) {
                float e = (float) Math.exp(att[attOff + t] - max);
                att[attOff + t] = e;
                sum += e;
            }
            for (int t = 0; t < context; t++) att[attOff + t] /= sum;
            int outOff = h * d;
            java.util.Arrays.fill(out, outOff, outOff + d, 0f);
            for (int t = 0; t < context; t++) saxpy(out, outOff, vFlat, ((long) t * kvDim + kvOff) * 4, d, att[attOff + t]);
        });
        return out;
    }

    private static float dot(float[] a, int aOff, MemorySegment b, long bOff, int n) {
        FloatVector acc = FloatVector.zero(F);
        int i = 0;
        for (; i + F.length() <= n; i += F.length()) {
            acc = FloatVector.fromArray(F, a, aOff + i).fma(FloatVector.fromMemorySegment(F, b, bOff + i * 4L, ByteOrder.LITTLE_ENDIAN), acc);
        }
        float s = acc.reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) s += a[aOff + i] * b.get(ValueLayout.JAVA_FLOAT_UNALIGNED, bOff + i * 4L);
        return s;
    }

    private static void saxpy(float[] y, int yOff, MemorySegment x, long xOff, int n, float a) {
        int i = 0;
        FloatVector av = FloatVector.broadcast(F, a);
        for (; i + F.length() <= n; i += F.length()) {
            FloatVector.fromMemorySegment(F, x, xOff + i * 4L, ByteOrder.LITTLE_ENDIAN).fma(av, FloatVector.fromArray(F, y, yOff + i)).intoArray(y, yOff + i);
        }
        for (; i < n; i++) y[yOff + i] += a * x.get(ValueLayout.JAVA_FLOAT_UNALIGNED, xOff + i * 4L);
    }
}
