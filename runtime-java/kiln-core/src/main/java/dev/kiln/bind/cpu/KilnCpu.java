package dev.kiln.bind.cpu;

import dev.kiln.bind.BundledLibrary;
import dev.kiln.device.KilnNativeException;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_DOUBLE;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * FFM binding of {@code libkiln_cpu.so} ({@code native/cpu/}): the cpu backend's native kernels, built by the Maven
 * build. One holder per function, jextract style; return codes are checked by {@link #check}.
 */
public final class KilnCpu {
    public static final String LIBRARY = "libkiln_cpu";

    public static final int OK = 0;
    public static final int BAD_ARGUMENT = -1;
    public static final int NO_MEMORY = -2;

    private KilnCpu() {}

    /** Loaded on first use of any function (the holder idiom), so merely naming this class loads nothing. */
    private static final class Lib {
        static final BundledLibrary LIBRARY = new BundledLibrary("kiln_cpu");

        static MethodHandle downcall(String name, FunctionDescriptor descriptor) { return LIBRARY.downcall(name, descriptor); }
    }

    /** Null when the library loads; otherwise why it does not. */
    public static String unavailabilityCause() { return Lib.LIBRARY.failure(); }

    private static final class kiln_cpu_has_avx512 {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(JAVA_INT);
        static final MethodHandle HANDLE = Lib.downcall("kiln_cpu_has_avx512", DESC);
    }

    private static final class kiln_split_kv_decode_dim_major {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(JAVA_INT,
                ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS,
                JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT,
                JAVA_INT, JAVA_INT, JAVA_INT, JAVA_FLOAT);
        static final MethodHandle HANDLE = Lib.downcall("kiln_split_kv_decode_dim_major", DESC);
    }

    private static final class kiln_gemv_f32 {
        static final FunctionDescriptor DESC = FunctionDescriptor.ofVoid(ADDRESS, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS);
        static final MethodHandle HANDLE = Lib.downcall("kiln_gemv_f32", DESC);
    }

    /**
     * {@code void kiln_gemv_f32(const float* x, int32_t batch, int32_t in, const float* w, int32_t out, int32_t from,
     * int32_t to, float* y)}: {@code y[b][o] = Σ_i x[b][i]·w[o][i]} for rows {@code [from, to)} of {@code w [out][in]},
     * {@code y [batch][out]}.
     */
    public static void gemvF32(MemorySegment x, int batch, int in, MemorySegment w, int out, int from, int to, MemorySegment y) {
        try {
            kiln_gemv_f32.HANDLE.invokeExact(x, batch, in, w, out, from, to, y);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    private static final class kiln_gemv_q8_0 {
        static final FunctionDescriptor DESC = FunctionDescriptor.ofVoid(ADDRESS, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS);
        static final MethodHandle HANDLE = Lib.downcall("kiln_gemv_q8_0", DESC);
    }

    /** {@code void kiln_gemv_q8_0(const float* x, int32_t batch, int32_t in, const uint8_t* w, int32_t out, int32_t from, int32_t to, float* y)}. */
    public static void gemvQ8_0(MemorySegment x, int batch, int in, MemorySegment w, int out, int from, int to, MemorySegment y) {
        try {
            kiln_gemv_q8_0.HANDLE.invokeExact(x, batch, in, w, out, from, to, y);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    private static final class kiln_gemv_q4_0 {
        static final FunctionDescriptor DESC = FunctionDescriptor.ofVoid(ADDRESS, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS);
        static final MethodHandle HANDLE = Lib.downcall("kiln_gemv_q4_0", DESC);
    }

    /** {@code void kiln_gemv_q4_0(...)}: as {@link #gemvQ8_0} over Q4_0 blocks. */
    public static void gemvQ4_0(MemorySegment x, int batch, int in, MemorySegment w, int out, int from, int to, MemorySegment y) {
        try {
            kiln_gemv_q4_0.HANDLE.invokeExact(x, batch, in, w, out, from, to, y);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    private static final class kiln_quantize_x8 {
        static final FunctionDescriptor DESC = FunctionDescriptor.ofVoid(ADDRESS, JAVA_INT, JAVA_INT, ADDRESS);
        static final MethodHandle HANDLE = Lib.downcall("kiln_quantize_x8", DESC);
    }

    /**
     * {@code void kiln_quantize_x8(const float* x, int32_t batch, int32_t in, uint8_t* xq)}: each row of {@code x [batch][in]}
     * quantized to int8 blocks of 32 ({@code in + 8 * in / 32} bytes a row: int8 q, fp32 scales, fp32 sums of q).
     */
    public static void quantizeX8(MemorySegment x, int batch, int in, MemorySegment xq) {
        try {
            kiln_quantize_x8.HANDLE.invokeExact(x, batch, in, xq);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    private static final class kiln_gemv_q8_0_x8 {
        static final FunctionDescriptor DESC = FunctionDescriptor.ofVoid(ADDRESS, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS);
        static final MethodHandle HANDLE = Lib.downcall("kiln_gemv_q8_0_x8", DESC);
    }

    /** {@code void kiln_gemv_q8_0_x8(const uint8_t* xq, int32_t batch, int32_t in, const uint8_t* w, int32_t out, int32_t from, int32_t to, float* y)}. */
    public static void gemvQ8_0X8(MemorySegment xq, int batch, int in, MemorySegment w, int out, int from, int to, MemorySegment y) {
        try {
            kiln_gemv_q8_0_x8.HANDLE.invokeExact(xq, batch, in, w, out, from, to, y);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    private static final class kiln_gemv_q4_0_x8 {
        static final FunctionDescriptor DESC = FunctionDescriptor.ofVoid(ADDRESS, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS);
        static final MethodHandle HANDLE = Lib.downcall("kiln_gemv_q4_0_x8", DESC);
    }

    /** {@code void kiln_gemv_q4_0_x8(...)}: as {@link #gemvQ8_0X8} over Q4_0 blocks. */
    public static void gemvQ4_0X8(MemorySegment xq, int batch, int in, MemorySegment w, int out, int from, int to, MemorySegment y) {
        try {
            kiln_gemv_q4_0_x8.HANDLE.invokeExact(xq, batch, in, w, out, from, to, y);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    private static final class kiln_cpu_has_avx512_vnni {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(JAVA_INT);
        static final MethodHandle HANDLE = Lib.downcall("kiln_cpu_has_avx512_vnni", DESC);
    }

    /** {@code int kiln_cpu_has_avx512_vnni(void)}: 1 when this CPU also runs AVX-512 VNNI, which the {@code _x8} GEMVs need. */
    public static int hasAvx512Vnni() {
        try {
            return (int) kiln_cpu_has_avx512_vnni.HANDLE.invokeExact();
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    private static final class kiln_read_sum_f32 {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(JAVA_DOUBLE, ADDRESS, JAVA_LONG);
        static final MethodHandle HANDLE = Lib.downcall("kiln_read_sum_f32", DESC);
    }

    /** {@code double kiln_read_sum_f32(const float* p, int64_t n)}: the sum of n floats (n a multiple of 128), prefetching ahead. */
    public static double readSumF32(MemorySegment p, long n) {
        try {
            return (double) kiln_read_sum_f32.HANDLE.invokeExact(p, n);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** {@code int kiln_cpu_has_avx512(void)}: 1 when this CPU runs AVX-512 F, BW and VL, which every kernel below needs. */
    public static int hasAvx512() {
        try {
            return (int) kiln_cpu_has_avx512.HANDLE.invokeExact();
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /**
     * {@code int kiln_split_kv_decode_dim_major(const float* q, const void* k_pool, const void* v_pool,
     * const int32_t* table, float* out_o, float* out_lse, int32_t b, int32_t split, int32_t t0, int32_t t1,
     * int32_t hq, int32_t hkv, int32_t dk, int32_t dv, int32_t v_stride, int32_t block_size, int32_t max_blocks,
     * int32_t splits, int32_t dtype, float scale)}: one (sequence, split) task of split-KV decode over dim-major keys,
     * fp32 ({@code dtype} 0) or bf16 (1).
     */
    public static int splitKvDecodeDimMajor(MemorySegment q, MemorySegment kPool, MemorySegment vPool, MemorySegment table,
                                            MemorySegment outO, MemorySegment outLse, int b, int split, int t0, int t1,
                                            int hq, int hkv, int dk, int dv, int vStride, int blockSize, int maxBlocks,
                                            int splits, int dtype, float scale) {
        try {
            return (int) kiln_split_kv_decode_dim_major.HANDLE.invokeExact(q, kPool, vPool, table, outO, outLse,
                    b, split, t0, t1, hq, hkv, dk, dv, vStride, blockSize, maxBlocks, splits, dtype, scale);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** Throws {@link KilnNativeException} naming {@code function} and the library's error name unless {@code code} is OK. */
    public static void check(String function, int code) {
        if (code != OK) throw new KilnNativeException(LIBRARY, function, code, errorName(code));
    }

    public static String errorName(int code) {
        return switch (code) {
            case OK -> "KILN_CPU_OK";
            case BAD_ARGUMENT -> "KILN_CPU_BAD_ARGUMENT";
            case NO_MEMORY -> "KILN_CPU_NO_MEMORY";
            default -> "KILN_CPU_UNKNOWN_" + code;
        };
    }

    private static RuntimeException unexpected(Throwable t) {
        if (t instanceof RuntimeException r) return r;
        if (t instanceof Error e) throw e;
        return new IllegalStateException(t);
    }
}
