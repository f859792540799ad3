package dev.kiln.device.cpu;

import dev.kiln.device.KilnNativeException;
import dev.kiln.bind.cpu.KilnCpu;

import java.lang.foreign.MemorySegment;

/**
 * The cpu backend's native kernels ({@code libkiln_cpu}, built from {@code native/cpu/}): what the Vector API cannot
 * express, which so far is software prefetch, for the loops whose time is a memory stream: decode attention, the
 * decoder's GEMV, and the read ceiling they are measured against. They are the cpu's counterpart of a compiled OpenCL
 * program, reached through this class so that kernel libraries never touch the binding. A machine without AVX-512,
 * or without the library, runs the Java kernels and says why ({@link #unavailabilityCause()}); so does
 * {@code -Dkiln.cpu.native=false}, which exists to measure the two side by side.
 */
public final class CpuNativeKernels {
    private static final String CAUSE = findCause();
    private static final String INT8_DOT_CAUSE = CAUSE != null ? CAUSE
            : KilnCpu.hasAvx512Vnni() == 1 ? null : "this CPU lacks AVX-512 VNNI, which the int8-activation GEMVs are written for";

    private CpuNativeKernels() {}

    private static String findCause() {
        if (!Boolean.parseBoolean(System.getProperty("kiln.cpu.native", "true"))) return "disabled by -Dkiln.cpu.native=false";
        String cause = KilnCpu.unavailabilityCause();
        if (cause != null) return cause;
        return KilnCpu.hasAvx512() == 1 ? null : "this CPU lacks AVX-512 F/BW/VL, which the native kernels are written for";
    }

    public static boolean isAvailable() { return CAUSE == null; }

    private static void requireAvailable() {
        if (CAUSE != null) throw new IllegalStateException("cpu native kernels are unavailable: " + CAUSE);
    }

    /** Null when the native kernels run here; otherwise why not. */
    public static String unavailabilityCause() { return CAUSE; }

    /**
     * {@code y[b][o] = Σ_i x[b][i]·w[o][i]} for rows {@code [from, to)} of {@code w}, {@code [out][in]} fp32, and
     * {@code batch} rows of {@code x}; {@code y} is {@code [batch][out]} and only columns {@code [from, to)} are
     * written, so parallel calls split the rows. Sizes are checked here, since C reads raw pointers.
     */
    public static void gemvF32(MemorySegment x, int batch, int in, MemorySegment w, int out, int from, int to, MemorySegment y) {
        requireAvailable();
        if (batch < 1 || in < 1 || from < 0 || to <= from || to > out) {
            throw new IllegalArgumentException("gemv needs batch >= 1, in >= 1 and 0 <= from < to <= out; was batch " + batch + ", in " + in
                    + ", rows [" + from + ", " + to + ") of " + out);
        }
        long floats = Float.BYTES;
        if (x.byteSize() < (long) batch * in * floats || w.byteSize() < (long) out * in * floats || y.byteSize() < (long) batch * out * floats) {
            throw new IllegalArgumentException("gemv buffers too small: x " + x.byteSize() + ", w " + w.byteSize() + ", y " + y.byteSize()
                    + " bytes for batch " + batch + ", in " + in + ", out " + out);
        }
        KilnCpu.gemvF32(x, batch, in, w, out, from, to, y);
    }

    /**
     * {@link #gemvF32} over a weight in ggml's block-quantized Q8_0 ({@code q4 = false}: 34 bytes per 32 values) or Q4_0
     * (18 bytes per 32 values) format; {@code in} must be a multiple of 32.
     */
    public static void gemvQuantized(boolean q4, MemorySegment x, int batch, int in, MemorySegment w, int out, int from, int to, MemorySegment y) {
        requireAvailable();
        if (batch < 1 || in < 32 || in % 32 != 0 || from < 0 || to <= from || to > out) {
            throw new IllegalArgumentException("quantized gemv needs batch >= 1, in a positive multiple of 32 and 0 <= from < to <= out; was batch " + batch
                    + ", in " + in + ", rows [" + from + ", " + to + ") of " + out);
        }
        long rowBytes = (long) in / 32 * (q4 ? 18 : 34);
        if (x.byteSize() < (long) batch * in * Float.BYTES || w.byteSize() < out * rowBytes || y.byteSize() < (long) batch * out * Float.BYTES) {
            throw new IllegalArgumentException("quantized gemv buffers too small: x " + x.byteSize() + ", w " + w.byteSize() + ", y " + y.byteSize()
                    + " bytes for batch " + batch + ", in " + in + ", out " + out);
        }
        if (q4) KilnCpu.gemvQ4_0(x, batch, in, w, out, from, to, y);
        else KilnCpu.gemvQ8_0(x, batch, in, w, out, from, to, y);
    }

    /** Null when the int8-activation GEMVs ({@link #gemvQuantizedX8}) run here; otherwise why not. */
    public static String int8DotUnavailabilityCause() { return INT8_DOT_CAUSE; }

    /** Bytes of one row of {@code in} activations quantized by {@link #quantizeX8}: int8 values, then fp32 scales and sums per block of 32. */
    public static long x8Bytes(int in) { return in + 8L * (in / 32); }

    /**
     * Quantizes each row of {@code x [batch][in]} ({@code in} a multiple of 32) to int8 blocks of 32 as llama.cpp's Q8
     * activations: scale {@code d = max|x| / 127} per block, {@code q = round-to-nearest-even(x · 127 / max|x|)}; a block
     * holding a NaN or an infinity gets {@code d = NaN}. Rows of {@link #x8Bytes} bytes in {@code xq}.
     */
    public static void quantizeX8(MemorySegment x, int batch, int in, MemorySegment xq) {
        requireInt8Dot();
        if (batch < 1 || in < 32 || in % 32 != 0) {
            throw new IllegalArgumentException("int8 activations need batch >= 1 and in a positive multiple of 32; was batch " + batch + ", in " + in);
        }
        if (x.byteSize() < (long) batch * in * Float.BYTES || xq.byteSize() < batch * x8Bytes(in)) {
            throw new IllegalArgumentException("activation buffers too small: x " + x.byteSize() + ", xq " + xq.byteSize() + " bytes for batch " + batch + ", in " + in);
        }
        KilnCpu.quantizeX8(x, batch, in, xq);
    }

    /**
     * {@link #gemvQuantized} with the activation quantized by {@link #quantizeX8}: int8 dot products (AVX-512 VNNI) per
     * block, scaled by the weight's and the activation's block scales; see {@code native/cpu/gemv_quant_x8.c}.
     */
    public static void gemvQuantizedX8(boolean q4, MemorySegment xq, int batch, int in, MemorySegment w, int out, int from, int to, MemorySegment y) {
        requireInt8Dot();
        if (batch < 1 || in < 32 || in % 32 != 0 || from < 0 || to <= from || to > out) {
            throw new IllegalArgumentException("int8-activation gemv needs batch >= 1, in a positive multiple of 32 and 0 <= from < to <= out; was batch " + batch
                    + ", in " + in + ", rows [" + from + ", " + to + ") of " + out);
        }
        long rowBytes = (long) in / 32 * (q4 ? 18 : 34);
        if (xq.byteSize() < batch * x8Bytes(in) || w.byteSize() < out * rowBytes || y.byteSize() < (long) batch * out * Float.BYTES) {
            throw new IllegalArgumentException("int8-activation gemv buffers too small: xq " + xq.byteSize() + ", w " + w.byteSize() + ", y " + y.byteSize()
                    + " bytes for batch " + batch + ", in " + in + ", out " + out);
        }
        if (q4) KilnCpu.gemvQ4_0X8(xq, batch, in, w, out, from, to, y);
        else KilnCpu.gemvQ8_0X8(xq, batch, in, w, out, from, to, y);
    }

    private static void requireInt8Dot() {
        if (INT8_DOT_CAUSE != null) throw new IllegalStateException("cpu int8-activation kernels are unavailable: " + INT8_DOT_CAUSE);
    }

    /** The sum of {@code floats} floats at {@code p} (a multiple of 128), read as fast as the attention reads: a read ceiling. */
    public static double readSumF32(MemorySegment p, long floats) {
        requireAvailable();
        if (floats % 128 != 0) throw new IllegalArgumentException("floats must be a multiple of 128, was " + floats);
        return KilnCpu.readSumF32(p, floats);
    }

    /**
     * One (sequence, split) task of split-KV decode attention over dim-major keys, fp32 ({@code dtype} 0) or bf16 (1),
     * every KV head of each page before the next page; see {@code native/cpu/split_kv_decode.c}. Throws
     * {@link dev.kiln.device.KilnNativeException} on a shape the kernel does not take.
     */
    public static void splitKvDecodeDimMajor(MemorySegment q, MemorySegment kPool, MemorySegment vPool, MemorySegment table,
                                             MemorySegment outO, MemorySegment outLse, int b, int split, int t0, int t1,
                                             int hq, int hkv, int dk, int dv, int vStride, int blockSize, int maxBlocks,
                                             int splits, int dtype, float scale) {
        requireAvailable();
        KilnCpu.check("kiln_split_kv_decode_dim_major", KilnCpu.splitKvDecodeDimMajor(q, kPool, vPool, table, outO,
                outLse, b, split, t0, t1, hq, hkv, dk, dv, vStride, blockSize, maxBlocks, splits, dtype, scale));
    }
}
