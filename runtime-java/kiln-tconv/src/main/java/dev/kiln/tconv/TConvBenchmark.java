package dev.kiln.tconv;

import dev.kiln.device.Buffer;
import dev.kiln.device.Device;
import dev.kiln.tconv.quant.Rounding;

import java.lang.foreign.Arena;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Times several implementations of one layer side by side: each op is prepared and warmed up, then the ops
 * run in interleaved blocks (A×3, B×3, A×3, ...) so that load from other processes on a shared machine hits
 * them alike. An implementation whose thread pool spins between runs (ONNX Runtime) is timed alone first and
 * closed, so its spinning threads never overlap the others' timed runs. Reports each op's median of its own event times (kernel time, or ORT's {@code session.run}).
 */
public final class TConvBenchmark {
    private TConvBenchmark() {}

    private static final int BLOCK = 3;

    private static void pause() {
        try {
            Thread.sleep(5);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("benchmark interrupted", e);
        }
    }

    public record Timing(String impl, long medianNs, long minNs, int runs) {}

    /** One implementation on one device, for {@link #compare}. */
    public record Entry(TConvImpl impl, Device device) {}

    /**
     * @param minRounds rounds always measured
     * @param budgetNs  total measuring time per implementation after which rounds stop (once minRounds are done)
     */
    public static List<Timing> compare(List<Entry> entries, TConvSpec s, String dtype, long seed, int minRounds, long budgetNs) {
        // Implementations with spinning pools run alone (pool closed afterwards); the rest interleaved.
        List<Timing> out = new ArrayList<>();
        List<Entry> shared = new ArrayList<>();
        for (Entry e : entries) {
            if (e.impl().spinsBetweenRuns()) out.add(interleaved(List.of(e), s, dtype, seed, minRounds, budgetNs).getFirst());
            else shared.add(e);
        }
        if (!shared.isEmpty()) out.addAll(interleaved(shared, s, dtype, seed, minRounds, budgetNs));
        List<Timing> ordered = new ArrayList<>();
        for (Entry e : entries) ordered.add(out.stream().filter(t -> t.impl().equals(e.impl().name())).findFirst().orElseThrow());
        return ordered;
    }

    private static List<Timing> interleaved(List<Entry> entries, TConvSpec s, String dtype, long seed, int minRounds, long budgetNs) {
        boolean fp32 = dtype.equals("fp32");
        List<TConvOp> ops = new ArrayList<>();
        List<Buffer> buffers = new ArrayList<>();
        try (Arena arena = Arena.ofConfined()) {
            TConvData.Fp32 f = fp32 ? TConvData.fp32(s, seed) : null;
            TConvData.Int8 q = fp32 ? null : TConvData.int8(s, seed);
            for (Entry e : entries) {
                Device d = e.device();
                if (fp32) {
                    ops.add(e.impl().fp32(d, s, f.weights(), f.bias()));
                    buffers.add(d.upload(arena.allocateFrom(ValueLayout.JAVA_FLOAT, f.input())));
                    buffers.add(d.allocate(4 * s.outputElements()));
                } else {
                    ops.add(e.impl().int8(d, s, q.weights(), q.bias(), q.quant().inputZeroPoint(), q.quant().requantizer(s.oc(), Rounding.DOUBLE)));
                    buffers.add(d.upload(arena.allocateFrom(ValueLayout.JAVA_BYTE, q.input())));
                    buffers.add(d.allocate(s.outputElements()));
                }
            }
            int k = ops.size();
            for (int i = 0; i < k; i++) {                           // warm-up: JIT, caches, ORT's first-run setup
                long t0 = System.nanoTime();
                // at least 10 runs and half the budget: cold Vector API code runs interpreted until C2 compiles it
                for (int r = 0; r < 2000 && (r < 10 || System.nanoTime() - t0 < budgetNs / 2); r++) {
                    ops.get(i).run(buffers.get(2 * i), buffers.get(2 * i + 1)).await();
                }
            }
            // Blocks of BLOCK timed runs per op, each after a short pause and one untimed run, so that a thread
            // pool still winding down from the previous op is not charged to the next one.
            long[][] t = new long[k][1000 + BLOCK];
            int rounds = 0;
            long start = System.nanoTime();
            while (rounds < minRounds || (System.nanoTime() - start < budgetNs * k && rounds < 1000)) {
                for (int i = 0; i < k; i++) {
                    pause();
                    ops.get(i).run(buffers.get(2 * i), buffers.get(2 * i + 1)).await();
                    for (int j = 0; j < BLOCK; j++) {
                        var e = ops.get(i).run(buffers.get(2 * i), buffers.get(2 * i + 1));
                        e.await();
                        t[i][rounds + j] = e.elapsedNanos();
                    }
                }
                rounds += BLOCK;
            }
            List<Timing> out = new ArrayList<>();
            for (int i = 0; i < k; i++) {
                long[] runs = Arrays.copyOf(t[i], rounds);
                Arrays.sort(runs);
                out.add(new Timing(entries.get(i).impl().name(), runs[rounds / 2], runs[0], rounds));
            }
            return out;
        } finally {
            for (Buffer b : buffers) b.close();
            for (TConvOp op : ops) op.close();
        }
    }
}
