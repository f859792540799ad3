package dev.kiln.attention.model;

import dev.kiln.attention.KvDtype;
import dev.kiln.attention.helix.HelixMapping;
import dev.kiln.attention.helix.HelixProcessGroups;
import dev.kiln.collective.Communicator;
import dev.kiln.collective.Communicators;
import dev.kiln.collective.rendezvous.LaunchEnvironment;
import dev.kiln.collective.rendezvous.WorkerArgs;
import dev.kiln.device.Device;
import dev.kiln.device.Devices;

import java.io.PrintStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.SplittableRandom;
import java.util.StringJoiner;

/**
 * One Helix rank in its own process: the same {@link HelixRank}, seeded weights and tied embedding as
 * {@link HelixDecoder}, but meeting its peers over sockets instead of as threads. The job comes from the
 * launch environment (torchrun-style {@code RANK}, {@code WORLD_SIZE}, {@code MASTER_ADDR}, {@code MASTER_PORT},
 * see {@link LaunchEnvironment}); {@code WORLD_SIZE} must be {@code kvp × tpa}. Each rank opens the world group
 * and its KVP group as {@link HelixProcessGroups} does (TCP ring at {@code MASTER_PORT}, the KVP group at
 * {@code MASTER_PORT + 1 + tpaRank}).
 *
 * <p>It decodes greedily from seeded first tokens ({@link #nextTokens}): rank 0 computes the logits, picks the
 * next tokens and broadcasts them. Rank 0 prints one {@link #STEP_PREFIX} line per step: the step, the tokens fed,
 * and the logits {@code [batch][vocab]} as exact decimal floats.
 *
 * <p>Arguments: {@code --model NAME --kvp N --tpa N --append-block N --batch N --steps N --seed N}
 * [{@code --timeout-s N}] [{@code --transport tcp|nccl}]. With {@code nccl} both groups are NCCL communicators
 * (each rank on CUDA device {@code LOCAL_RANK} mod devices); the ranks' data is in host memory, so every
 * collective is staged through the device.
 */
public final class HelixRankWorker {
    public static final String STEP_PREFIX = "helix-step ";

    private HelixRankWorker() {}

    /** The decoder configuration a worker and its in-process references share: dense FFN, fp32 KV, lock-step. */
    static HelixDecoder.Config config(ModelShape s, int kvp, int tpa, int appendBlock, int batch, int steps, long seed) {
        HelixMapping m = HelixMapping.of(kvp, tpa, s.qHeads(), s.kvHeads()).withAppendBlock(appendBlock);
        return new HelixDecoder.Config(s, m, KvDtype.FP32, 8, batch, 1, false, 0, seed, steps + 1);
    }

    /** The tokens step 0 feeds, one per sequence, from the seed. */
    static int[] firstTokens(ModelShape s, int batch, long seed) {
        return new SplittableRandom(seed).ints(batch, 0, s.vocab()).toArray();
    }

    /**
     * The tokens after {@code step}: greedy, but every 7th step a draw from {@code rnd} instead, so the sequences
     * do not settle into a loop.
     */
    static int[] nextTokens(float[] logits, int batch, int vocab, int step, SplittableRandom rnd) {
        int[] next = new int[batch];
        for (int b = 0; b < batch; b++) next[b] = step % 7 == 3 ? rnd.nextInt(vocab) : HelixDecoder.argmax(logits, b, vocab);
        return next;
    }

    public static void main(String[] args) {
        try {
            run(LaunchEnvironment.detect(), WorkerArgs.parse(args), System.out);
        } catch (RuntimeException e) {
            System.err.println("helix rank worker: " + e);
            e.printStackTrace();
            System.exit(1);
        }
    }

    static void run(LaunchEnvironment env, WorkerArgs a, PrintStream out) { run(env, a, out, true); }

    /**
     * Runs this process's rank of the job {@code env} describes with the worker arguments {@code args}. Rank 0 prints
     * one line per step: {@link #STEP_PREFIX} lines with the logits when {@code machineLines}, else the tokens fed.
     */
    public static void run(LaunchEnvironment env, String[] args, PrintStream out, boolean machineLines) {
        run(env, WorkerArgs.parse(args), out, machineLines);
    }

    private static void run(LaunchEnvironment env, WorkerArgs a, PrintStream out, boolean machineLines) {
        ModelShape s = ModelShape.named(a.get("model"));
        int kvp = a.get("kvp", Integer::parseInt), tpa = a.get("tpa", Integer::parseInt);
        int batch = a.get("batch", Integer::parseInt), steps = a.get("steps", Integer::parseInt);
        long seed = a.get("seed", Long::parseLong);
        Duration timeout = Duration.ofSeconds(a.get("timeout-s", Long::parseLong, 60L));
        Communicators.Transport transport = a.get("transport", Communicators.Transport::parse, Communicators.Transport.TCP);
        HelixProcessGroups.checkTransport(transport);
        HelixDecoder.Config c = config(s, kvp, tpa, a.get("append-block", Integer::parseInt), batch, steps, seed);
        HelixProcessGroups.checkWorldSize(env, kvp, tpa);
        int rank = env.rank();
        try (Arena arena = Arena.ofShared();
             Device device = Devices.open("cpu");
             HelixProcessGroups groups = HelixProcessGroups.open(transport, env, kvp, tpa, timeout);
             HelixRank me = new HelixRank(rank, c, device, groups.world(), groups.kvpGroup())) {
            Communicator world = groups.world();
            TiedEmbedding ends = new TiedEmbedding(arena, s, seed);
            SplittableRandom rnd = new SplittableRandom(seed);
            int[] tokens = firstTokens(s, batch, seed);
            float[] logits = new float[batch * s.vocab()];
            MemorySegment next = arena.allocate((long) batch * Integer.BYTES);
            for (int step = 0; step < steps; step++) {
                float[] x = ends.embed(tokens);
                me.step(x, step, false);
                if (rank == 0) {
                    ends.logits(x, batch, logits);
                    out.println(machineLines ? stepLine(step, tokens, logits) : humanLine(step, steps, tokens));
                    out.flush();
                    MemorySegment.copy(nextTokens(logits, batch, s.vocab(), step, rnd), 0, next, ValueLayout.JAVA_INT, 0, batch);
                }
                world.broadcast(next, 0);
                MemorySegment.copy(next, ValueLayout.JAVA_INT, 0, tokens, 0, batch);
            }
        }
    }

    private static String humanLine(int step, int steps, int[] tokens) {
        StringJoiner t = new StringJoiner(", ");
        for (int tok : tokens) t.add(Integer.toString(tok));
        return "step " + (step + 1) + "/" + steps + ": fed tokens " + t;
    }

    private static String stepLine(int step, int[] tokens, float[] logits) {
        StringJoiner t = new StringJoiner(",");
        for (int tok : tokens) t.add(Integer.toString(tok));
        StringJoiner l = new StringJoiner(",");
        for (float v : logits) l.add(Float.toString(v));
        return STEP_PREFIX + step + " " + t + " " + l;
    }
}
