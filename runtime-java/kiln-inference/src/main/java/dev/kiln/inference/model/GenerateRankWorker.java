package dev.kiln.inference.model;

import dev.kiln.attention.helix.HelixProcessGroups;
import dev.kiln.collective.Communicators;
import dev.kiln.collective.rendezvous.LaunchEnvironment;
import dev.kiln.collective.rendezvous.WorkerArgs;
import dev.kiln.device.Device;
import dev.kiln.device.Devices;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.StringJoiner;

/**
 * One rank of a Helix text generation whose {@code kvp × tpa} ranks are processes: the typed entry point tests start
 * worker JVMs with (the same steps as {@code kiln generate --ranks processes}). The job comes from the launch
 * environment ({@code RANK}, {@code WORLD_SIZE}, {@code MASTER_ADDR}, {@code MASTER_PORT}, or mpirun's / srun's
 * variables: see {@link LaunchEnvironment}); the groups are {@link HelixProcessGroups}'. Every rank loads the
 * checkpoint, runs the whole {@link Generator} with the same sampler seed, and checks with {@link RankAgreement}
 * that all ranks picked the same token each time; then every rank prints one {@link #TOKENS_PREFIX} line with its
 * rank and the generated token ids, so that a test can compare every rank's tokens, not only rank 0's.
 *
 * <p>Arguments: {@code --model FILE --kvp N --tpa N --prompt TEXT --tokens N} [{@code --temperature T --top-p P
 * --seed S --cache N --backend B --timeout-s N --transport tcp|nccl}].
 */
public final class GenerateRankWorker {
    public static final String TOKENS_PREFIX = "generate-tokens ";

    private GenerateRankWorker() {}

    public static void main(String[] args) {
        try {
            run(LaunchEnvironment.detect(), WorkerArgs.parse(args), System.out);
        } catch (RuntimeException | java.io.IOException e) {
            System.err.println("generate rank worker: " + e);
            e.printStackTrace();
            System.exit(1);
        }
    }

    static void run(LaunchEnvironment env, WorkerArgs a, PrintStream out) throws java.io.IOException {
        Path model = Path.of(a.get("model"));
        int kvp = a.get("kvp", Integer::parseInt), tpa = a.get("tpa", Integer::parseInt);
        String prompt = a.get("prompt");
        int tokens = a.get("tokens", Integer::parseInt);
        Sampler sampler = new Sampler(a.get("temperature", Double::parseDouble, 0.0), a.get("top-p", Double::parseDouble, 1.0),
                a.get("seed", Long::parseLong, 1L));
        int cache = a.get("cache", Integer::parseInt, 4096);
        Duration timeout = Duration.ofSeconds(a.get("timeout-s", Long::parseLong, 60L));
        Communicators.Transport transport = a.get("transport", Communicators.Transport::parse, Communicators.Transport.TCP);
        HelixProcessGroups.checkTransport(transport);
        HelixProcessGroups.checkWorldSize(env, kvp, tpa);
        try (HelixProcessGroups groups = HelixProcessGroups.open(transport, env, kvp, tpa, timeout);
             Device device = Devices.open(a.get("backend", s -> s, "cpu"));
             Models.Loaded m = Models.load(model, AttentionFactory.processes(device, groups), cache);
             RankAgreement agreement = new RankAgreement(groups.world())) {
            if (m.tokenizer() == null) throw new IllegalArgumentException(model.getFileName() + ": the checkpoint has no tokenizer metadata");
            StringJoiner ids = new StringJoiner(",");
            new Generator(m.model(), m.tokenizer(), sampler).generate(prompt, tokens, (id, piece) -> {
                agreement.check(id);
                ids.add(Integer.toString(id));
            });
            out.println(TOKENS_PREFIX + env.rank() + " " + ids);
            out.flush();
        }
    }
}
