package dev.kiln.cli;

import dev.kiln.attention.DecodeShape;
import dev.kiln.attention.KvDtype;
import dev.kiln.attention.helix.HelixAttentionEmulator;
import dev.kiln.attention.helix.HelixMapping;
import dev.kiln.device.Device;
import dev.kiln.device.Devices;
import dev.kiln.io.Npy;
import dev.kiln.io.NpyArray;
import dev.kiln.io.NpyDtype;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code kiln helix attend}: decode attention on the user's tensors. q {@code [B, Hq, D]}, k
 * {@code [B, S, Hkv, D]}, v {@code [B, S, Hkv, Dv]} (fp32 .npy) → o {@code [B, Hq, Dv]}, lse {@code [B, Hq]}
 * (natural log of the scaled scores). With {@code --kvp N} the sequence is spread over N emulated KVP
 * ranks and merged; the result does not depend on it beyond rounding.
 */
@Command(name = "attend", mixinStandardHelpOptions = true,
        description = "Split-KV decode attention on .npy tensors: q [B,Hq,D], k [B,S,Hkv,D], v [B,S,Hkv,Dv] -> o [B,Hq,Dv], lse [B,Hq].")
final class HelixAttendCommand implements Callable<Integer> {
    @Option(names = "--q", required = true, description = "Queries, fp32 [B, Hq, D].") Path q;
    @Option(names = "--k", required = true, description = "Keys, fp32 [B, S, Hkv, D].") Path k;
    @Option(names = "--v", required = true, description = "Values, fp32 [B, S, Hkv, Dv].") Path v;
    @Option(names = "--scale", description = "Softmax scale (default: 1/sqrt(D)).") Float scale;
    @Option(names = "--kvp", defaultValue = "1", description = "KVP ranks to spread the sequence over (default: ${DEFAULT-VALUE}).") int kvp;
    @Option(names = "--splits", defaultValue = "0", description = "Split-KV splits per rank, 0 = from the device (default: ${DEFAULT-VALUE}).") int splits;
    @Option(names = "--kv-dtype", defaultValue = "fp32", description = "KV storage: fp32 or bf16 (default: ${DEFAULT-VALUE}).") String kvDtype;
    @Option(names = "--block", defaultValue = "64", description = "KV page size (default: ${DEFAULT-VALUE}).") int block;
    @Option(names = "--backend", defaultValue = "cpu", description = "Backend (default: ${DEFAULT-VALUE}).") String backend;
    @Option(names = "--out", required = true, description = "Output o.npy.") Path out;
    @Option(names = "--lse", required = true, description = "Output lse.npy.") Path lse;
    @Option(names = "--json", description = "Print what ran as JSON instead of a line.") boolean json;

    @Override
    public Integer call() throws IOException {
        if (scale != null && !Float.isFinite(scale)) throw new IllegalArgumentException("--scale must be a finite number, was " + scale);
        OutputFiles.requireWritableDirectory("--out", out);
        OutputFiles.requireWritableDirectory("--lse", lse);
        try (Arena arena = Arena.ofConfined()) {
            NpyArray qa = Npy.read(q, arena), ka = Npy.read(k, arena), va = Npy.read(v, arena);
            expect(q, qa, 3, "[B, Hq, D]");
            expect(k, ka, 4, "[B, S, Hkv, D]");
            expect(v, va, 4, "[B, S, Hkv, Dv]");
            long b = qa.shape()[0], hq = qa.shape()[1], d = qa.shape()[2];
            long s = ka.shape()[1], hkv = ka.shape()[2], dv = va.shape()[3];
            if (ka.shape()[0] != b || ka.shape()[3] != d) {
                throw new IllegalArgumentException(k + ": expected [" + b + ", S, Hkv, " + d + "] to match q " + Arrays.toString(qa.shape()) + ", found " + Arrays.toString(ka.shape()));
            }
            if (va.shape()[0] != b || va.shape()[1] != s || va.shape()[2] != hkv) {
                throw new IllegalArgumentException(v + ": expected [" + b + ", " + s + ", " + hkv + ", Dv] to match k " + Arrays.toString(ka.shape()) + ", found " + Arrays.toString(va.shape()));
            }
            if (hq % hkv != 0) throw new IllegalArgumentException(q + ": Hq=" + hq + " is not a multiple of Hkv=" + hkv + " from " + k);
            if (b * s * hkv * Math.max(d, dv) > Integer.MAX_VALUE) throw new IllegalArgumentException("tensors over 2^31 elements are not supported by attend");
            DecodeShape shape = new DecodeShape((int) hq, (int) hkv, (int) d, (int) dv, false);
            HelixMapping m = HelixMapping.of(kvp, 1, shape.qHeads(), shape.kvHeads());
            float sc = scale != null ? scale : shape.defaultScale();
            HelixAttentionEmulator.Result r;
            try (Device device = Devices.open(backend)) {
                r = HelixAttentionEmulator.run(device, m, shape, KvDtype.parse(kvDtype), block, (int) b, (int) s,
                        floats(qa), floats(ka), floats(va), sc, splits);
            }
            Npy.write(out, new NpyArray(NpyDtype.FLOAT32, new long[]{b, hq, dv}, arena.allocateFrom(ValueLayout.JAVA_FLOAT, r.output())));
            try {
                Npy.write(lse, new NpyArray(NpyDtype.FLOAT32, new long[]{b, hq}, arena.allocateFrom(ValueLayout.JAVA_FLOAT, r.lse())));
            } catch (IOException | RuntimeException e) {
                java.nio.file.Files.deleteIfExists(out); // o without its lse is half a result: leave neither
                throw e;
            }
            if (json) {
                Map<String, Object> o = new LinkedHashMap<>();
                o.put("out", out.toString());
                o.put("outShape", new long[]{b, hq, dv});
                o.put("lse", lse.toString());
                o.put("lseShape", new long[]{b, hq});
                Map<String, Long> dims = new LinkedHashMap<>();
                dims.put("batch", b);
                dims.put("qHeads", hq);
                dims.put("kvHeads", hkv);
                dims.put("context", s);
                dims.put("kDim", d);
                dims.put("vDim", dv);
                o.put("shape", dims);
                o.put("scale", sc);
                o.put("kvp", kvp);
                o.put("splitsPerRank", splits > 0 ? splits : null);   // null: each rank's device chose
                o.put("tokensPerKvpRank", r.tokensPerKvpRank());
                o.put("kvDtype", KvDtype.parse(kvDtype).toString());
                o.put("block", block);
                o.put("backend", backend);
                System.out.println(Json.write(o));
            } else {
                System.out.printf("o %s and lse %s written (B=%d Hq=%d Hkv=%d S=%d D=%d Dv=%d, scale %g, kvp %d, %s, %s)%n",
                        out, lse, b, hq, hkv, s, d, dv, sc, kvp, kvDtype, backend);
            }
        }
        return 0;
    }

    private static void expect(Path file, NpyArray a, int rank, String layout) {
        if (a.dtype() != NpyDtype.FLOAT32 || a.shape().length != rank) {
            throw new IllegalArgumentException(file + ": expected float32 " + layout + ", found " + a.dtype() + " " + Arrays.toString(a.shape()));
        }
        for (long n : a.shape()) {
            if (n < 1 && rank != 4) throw new IllegalArgumentException(file + ": expected " + layout + " with every dim >= 1, found " + Arrays.toString(a.shape()));
        }
    }

    private static float[] floats(NpyArray a) {
        MemorySegment seg = a.data();
        return seg.toArray(ValueLayout.JAVA_FLOAT);
    }
}
