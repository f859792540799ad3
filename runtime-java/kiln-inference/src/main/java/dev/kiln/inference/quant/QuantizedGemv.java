package dev.kiln.inference.quant;

import dev.kiln.device.cpu.CpuNativeKernels;
import dev.kiln.device.cpu.GemvScratch;
import dev.kiln.device.cpu.CpuParallel;
import dev.kiln.inference.tensor.Tensor;
import dev.kiln.inference.tensor.TensorType;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.concurrent.atomic.AtomicLong;

/**
 * GEMV over a weight in a 16-bit or block-quantized format, {@code y[b][o] = Σ_i x[b][i]·w[o][i]}, with
 * {@code w [out][in]} read once per call straight from the checkpoint mapping (rows in parallel). Quantized rows
 * are decoded block by block in registers: a Q8_0 block's 32 int8 become fp32 lanes, are multiplied with x in
 * fp32, and the block's partial sum is scaled by its fp16 {@code d} once; Q4_0 the same with its nibbles − 8.
 * Here the activation stays fp32, so the only error against fp64 on the dequantized weights is fp32 summation: within
 * {@code in · 2⁻²³ · Σ|w·x|}. {@link #gemvFused(float[], Tensor[], float[][], Activations)} can instead quantize it to
 * int8 blocks as llama.cpp does ({@link Activations#INT8}), for int8 dot products on the cpu.
 */
public final class QuantizedGemv {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final int L = F.length();
    private static final VectorSpecies<Byte> B = ByteVector.SPECIES_128.length() == L ? ByteVector.SPECIES_128
            : VectorSpecies.of(byte.class, VectorShape.forBitSize(L * 8));
    private static final VectorSpecies<Short> S = VectorSpecies.of(short.class, VectorShape.forBitSize(L * 16));
    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    /** The shortest claim of rows a core takes in {@link #gemvFused}, in weight bytes. */
    static final long MIN_CLAIM_BYTES = 64 << 10;

    private QuantizedGemv() {}

    /** Checks shapes, then runs the row ranges in parallel. */
    public static void gemv(float[] x, int batch, Tensor w, float[] y) {
        if (w.rank() != 2) throw new IllegalArgumentException("tensor '" + w.name() + "' has rank " + w.rank() + "; a GEMV weight is [out][in]");
        int out = Math.toIntExact(w.dim(0)), in = Math.toIntExact(w.dim(1));
        if (x.length < (long) batch * in) throw new IllegalArgumentException("x has " + x.length + " values, needs batch " + batch + " × in " + in);
        if (y.length < (long) batch * out) throw new IllegalArgumentException("y has " + y.length + " values, needs batch " + batch + " × out " + out);
        if (w.type().quantized() && CpuNativeKernels.isAvailable() && w.data().isNative()) {
            gemvNative(x, batch, in, w, out, y);
            return;
        }
        CpuParallel.forRange(out, 8, (from, to) -> rows(x, batch, in, w, (int) from, (int) to, out, y));
    }

    /** Q8_0 / Q4_0 through the cpu's C kernels ({@code native/cpu/gemv_quant.c}), which prefetch the next row; rows in parallel. */
    static void gemvNative(float[] x, int batch, int in, Tensor w, int out, float[] y) {
        GemvScratch s = GemvScratch.of((long) batch * in * Float.BYTES, (long) batch * out * Float.BYTES);
        MemorySegment.copy(x, 0, s.x(), ValueLayout.JAVA_FLOAT, 0, batch * in);
        boolean q4 = w.type() == TensorType.Q4_0;
        CpuParallel.forRange(out, 8, (from, to) -> CpuNativeKernels.gemvQuantized(q4, s.x(), batch, in, w.data(), out, (int) from, (int) to, s.y()));
        MemorySegment.copy(s.y(), ValueLayout.JAVA_FLOAT, 0, y, 0, batch * out);
    }

    /**
     * {@code ys[j] = ws[j] · x} for several weights that read the same activation (a layer's Q, K and V; its FFN gate and
     * up), in one parallel region through the cpu's C kernels: the weights' rows, taken end to end, are split across the
     * cores as if they were one matrix. At decode a GEMV is a few milliseconds or less of weight stream (K and V of a
     * Llama-3.2-1B layer: about 0.1 ms), so each parallel region's start and its wait for the slowest core are a visible
     * part of the step; one region instead of three (or two) removes those. Weights of F32, Q8_0 and Q4_0 in native memory,
     * batch 1; anything else goes weight by weight through {@link #gemv} (and F32 through the caller's own kernel).
     *
     * @return false when the weights do not qualify and nothing was computed
     */
    public static boolean gemvFused(float[] x, Tensor[] ws, float[][] ys) { return gemvFused(x, ws, ys, Activations.FP32); }

    /**
     * {@link #gemvFused(float[], Tensor[], float[][])} with the Q8_0 / Q4_0 weights taking {@code x} as {@code activations}
     * says: with {@link Activations#INT8} (where the cpu runs it), {@code x} is quantized once and every quantized weight
     * runs the int8 dot-product kernel; F32 weights always take {@code x} in fp32.
     */
    public static boolean gemvFused(float[] x, Tensor[] ws, float[][] ys, Activations activations) {
        if (ws.length != ys.length) throw new IllegalArgumentException(ws.length + " weights but " + ys.length + " outputs");
        if (!CpuNativeKernels.isAvailable()) return false;
        int in = Math.toIntExact(ws[0].dim(1));
        long[] start = new long[ws.length + 1];
        for (int j = 0; j < ws.length; j++) {
            Tensor w = ws[j];
            if (w.rank() != 2 || w.dim(1) != in || !w.data().isNative()) return false;
            if (w.type() != TensorType.F32 && w.type() != TensorType.Q8_0 && w.type() != TensorType.Q4_0) return false;
            if (in < 1 || w.type() != TensorType.F32 && in % 32 != 0) return false;   // what the C kernels take
            if (ys[j].length < w.dim(0)) throw new IllegalArgumentException("y " + j + " has " + ys[j].length + " values, needs out " + w.dim(0));
            start[j + 1] = start[j] + w.dim(0);
        }
        if (x.length < in) throw new IllegalArgumentException("x has " + x.length + " values, needs in " + in);
        long rows = start[ws.length];
        if (rows == 0) return true;   // a Helix rank's empty slice
        boolean int8 = false;
        for (Tensor w : ws) int8 |= activationsInEffect(activations, w.type()) == Activations.INT8;
        long xfBytes = ((long) in * Float.BYTES + 63) & ~63L, xqBytes = int8 ? CpuNativeKernels.x8Bytes(in) : 0;
        GemvScratch s = GemvScratch.of(xfBytes + xqBytes, rows * Float.BYTES);
        MemorySegment xf = s.x().asSlice(0, (long) in * Float.BYTES), xq = int8 ? s.x().asSlice(xfBytes, xqBytes) : null;
        MemorySegment.copy(x, 0, xf, ValueLayout.JAVA_FLOAT, 0, in);
        if (int8) CpuNativeKernels.quantizeX8(xf, 1, in, xq);
        long rowBytes = 0;
        for (Tensor w : ws) rowBytes = Math.max(rowBytes, w.type().byteSize(in));
        long minRows = Math.max(1, MIN_CLAIM_BYTES / rowBytes), split = 2L * CpuParallel.threads();
        AtomicLong nextRow = new AtomicLong();
        // Guided self-scheduling: each core claims a share of what is left (half of it split among the cores, at least
        // MIN_CLAIM_BYTES), until nothing is. The first claims are long contiguous streams (every claim starts its
        // prefetch anew), the last are short, so a core that another process slows takes less and the cores finish
        // within one short claim of each other. On the caller and the resident helpers of GemvTeam; on the pool when
        // another thread holds the team.
        Runnable claimRows = () -> {
            for (long from = nextRow.get(); from < rows; from = nextRow.get()) {
                long to = Math.min(rows, from + Math.max(minRows, (rows - from) / split));
                if (nextRow.compareAndSet(from, to)) fusedRows(xf, xq, ws, start, in, s.y(), from, to);
            }
        };
        if (!GemvTeam.runOnAll(claimRows)) CpuParallel.forRange(CpuParallel.threads(), 1, (first, last) -> claimRows.run());
        for (int j = 0; j < ws.length; j++) MemorySegment.copy(s.y(), ValueLayout.JAVA_FLOAT, start[j] * Float.BYTES, ys[j], 0, (int) ws[j].dim(0));
        return true;
    }

    /**
     * Rows [from, to) of the weights taken end to end ({@code start[j]}: weight j's first row), through the C kernels;
     * quantized weights take {@code xq} (the int8 activation) where it is not null.
     */
    private static void fusedRows(MemorySegment x, MemorySegment xq, Tensor[] ws, long[] start, int in, MemorySegment ys, long from, long to) {
        for (int j = 0; j < ws.length; j++) {
            long lo = Math.max(from, start[j]), hi = Math.min(to, start[j + 1]);
            if (lo >= hi) continue;
            Tensor w = ws[j];
            int out = (int) w.dim(0);
            MemorySegment y = ys.asSlice(start[j] * Float.BYTES, (long) out * Float.BYTES);
            if (w.type() == TensorType.F32) {
                CpuNativeKernels.gemvF32(x, 1, in, w.data(), out, (int) (lo - start[j]), (int) (hi - start[j]), y);
            } else if (xq != null) {
                CpuNativeKernels.gemvQuantizedX8(w.type() == TensorType.Q4_0, xq, 1, in, w.data(), out, (int) (lo - start[j]), (int) (hi - start[j]), y);
            } else {
                CpuNativeKernels.gemvQuantized(w.type() == TensorType.Q4_0, x, 1, in, w.data(), out, (int) (lo - start[j]), (int) (hi - start[j]), y);
            }
        }
    }

    /**
     * What a weight of {@code type} runs with when {@code requested} is asked for: {@link Activations#INT8} only for Q8_0
     * and Q4_0 where the cpu's int8 dot-product kernels run ({@link CpuNativeKernels#int8DotUnavailabilityCause()}),
     * else {@link Activations#FP32}.
     */
    public static Activations activationsInEffect(Activations requested, TensorType type) {
        boolean int8 = requested == Activations.INT8 && (type == TensorType.Q8_0 || type == TensorType.Q4_0)
                && CpuNativeKernels.int8DotUnavailabilityCause() == null;
        return int8 ? Activations.INT8 : Activations.FP32;
    }

    /** "int8 activations", or "fp32 activations (int8 asked: this CPU lacks …)" where the request cannot be met. */
    public static String describeActivations(Activations requested, TensorType type) {
        Activations used = activationsInEffect(requested, type);
        if (used == requested || !type.quantized()) return used + " activations";
        String cause = CpuNativeKernels.int8DotUnavailabilityCause();
        return used + " activations (" + requested + " asked: " + cause + ")";
    }

    /** The Java kernels only (the fallback, and what the tests compare the native one with). */
    public static void gemvJava(float[] x, int batch, Tensor w, float[] y) {
        int out = Math.toIntExact(w.dim(0)), in = Math.toIntExact(w.dim(1));
        CpuParallel.forRange(out, 8, (from, to) -> rows(x, batch, in, w, (int) from, (int) to, out, y));
    }

    /** Rows {@code [from, to)} of {@code w}, on the calling thread: the Java kernel for every format. */
    public static void rows(float[] x, int batch, int in, Tensor w, int from, int to, int out, float[] y) {
        MemorySegment d = w.data();
        for (int o = from; o < to; o++) {
            for (int b = 0; b < batch; b++) {
                int xb = b * in;
                float s = switch (w.type()) {
                    case F32 -> dotF32(x, xb, in, d, (long) o * in * 4);
                    case F16 -> dot16(x, xb, in, d, (long) o * in * 2, false);
                    case BF16 -> dot16(x, xb, in, d, (long) o * in * 2, true);
                    case Q8_0 -> dotQ8(x, xb, in, d, (long) o * (in / 32) * 34);
                    case Q4_0 -> dotQ4(x, xb, in, d, (long) o * (in / 32) * 18);
                };
                y[b * out + o] = s;
            }
        }
    }

    static float dotF32(float[] x, int xo, int in, MemorySegment w, long row) {
        FloatVector acc = FloatVector.zero(F);
        int i = 0;
        for (; i + L <= in; i += L) acc = FloatVector.fromMemorySegment(F, w, row + i * 4L, LE).fma(FloatVector.fromArray(F, x, xo + i), acc);
        float s = acc.reduceLanes(VectorOperators.ADD);
        for (; i < in; i++) s += x[xo + i] * w.get(ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(LE), row + i * 4L);
        return s;
    }

    static float dot16(float[] x, int xo, int in, MemorySegment w, long row, boolean bf16) {
        FloatVector acc = FloatVector.zero(F);
        int i = 0;
        if (bf16) {
            for (; i + L <= in; i += L) {
                FloatVector v = ShortVector.fromMemorySegment(S, w, row + i * 2L, LE).convertShape(VectorOperators.S2I, VectorSpecies.of(int.class, F.vectorShape()), 0)
                        .lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
                acc = v.fma(FloatVector.fromArray(F, x, xo + i), acc);
            }
        }
        float s = acc.reduceLanes(VectorOperators.ADD);
        for (; i < in; i++) {
            short h = w.get(I16, row + i * 2L);
            s += x[xo + i] * (bf16 ? Float.intBitsToFloat((h & 0xffff) << 16) : Float.float16ToFloat(h));
        }
        return s;
    }

    static float dotQ8(float[] x, int xo, int in, MemorySegment w, long row) {
        float s = 0;
        for (int blk = 0; blk < in / 32; blk++) {
            long at = row + blk * 34L;
            float d = Float.float16ToFloat(w.get(I16, at));
            FloatVector acc = FloatVector.zero(F);
            for (int j = 0; j < 32; j += L) {
                FloatVector q = (FloatVector) ByteVector.fromMemorySegment(B, w, at + 2 + j, LE).convertShape(VectorOperators.B2F, F, 0);
                acc = q.fma(FloatVector.fromArray(F, x, xo + blk * 32 + j), acc);
            }
            s += d * acc.reduceLanes(VectorOperators.ADD);
        }
        return s;
    }

    static float dotQ4(float[] x, int xo, int in, MemorySegment w, long row) {
        float s = 0;
        for (int blk = 0; blk < in / 32; blk++) {
            long at = row + blk * 18L;
            float d = Float.float16ToFloat(w.get(I16, at));
            float acc = 0;
            int xb = xo + blk * 32;
            for (int j = 0; j < 16; j++) {
                int p = w.get(ValueLayout.JAVA_BYTE, at + 2 + j) & 0xff;
                acc += ((p & 15) - 8) * x[xb + j] + ((p >> 4) - 8) * x[xb + 16 + j];
            }
            s += d * acc;
        }
        return s;
    }
}
