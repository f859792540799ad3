package dev.kiln.inference.model;

import dev.kiln.attention.helix.HelixProcessGroups;
import dev.kiln.collective.Communicators;
import dev.kiln.collective.rendezvous.LaunchEnvironment;
import dev.kiln.collective.rendezvous.WorkerArgs;
import dev.kiln.device.Device;
import dev.kiln.device.Devices;
import dev.kiln.inference.quant.Activations;
import dev.kiln.inference.tokenizer.Tokenizer;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.StringJoiner;
import java.util.function.IntConsumer;

/**
 * One rank of a Helix text generation whose {@code kvp × tpa} ranks are processes: the typed entry point tests start
 * worker JVMs with (the same steps as {@code kiln generate --ranks processes}). The job comes from the launch
 * environment ({@code RANK}, {@code WORLD_SIZE}, {@code MASTER_ADDR}, {@code MASTER_PORT}, or mpirun's / srun's
 * variables: see {@link LaunchEnvironment}); the groups are {@link HelixProcessGroups}'. Every rank loads the
 * checkpoint, runs the whole {@link Generator} with the same sampler seed, and checks with {@link RankAgreement}
 * that all ranks picked the same token each time; then every rank prints one {@link #STEP_PREFIX} line per generated
 * token (its rank, the token's index, the token and the logits it was picked from, as exact decimal floats), so that
 * a test can compare every rank's tokens and logits with each other and with one rank's, not only rank 0's.
 *
 * <p>Arguments: {@code --model FILE --kvp N --tpa N --prompt TEXT --tokens N} [{@code --temperature T --top-p P
 * --seed S --cache N --activations int8|fp32 --backend B --timeout-s N --transport tcp|nccl}].
 */
public final class GenerateRankWorker {
    public static final String STEP_PREFIX = "generate-step ";

    /** A generated token and the logits it was picked from. */
    public record Step(int token, float[] logits) {}

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
        Activations activations = a.get("activations", Activations::parse, Activations.INT8);
        Duration timeout = Duration.ofSeconds(a.get("timeout-s", Long::parseLong, 60L));
        Communicators.Transport transport = a.get("transport", Communicators.Transport::parse, Communicators.Transport.TCP);
        HelixProcessGroups.checkTransport(transport);
        HelixProcessGroups.checkWorldSize(env, kvp, tpa);
        try (HelixProcessGroups groups = HelixProcessGroups.open(transport, env, kvp, tpa, timeout);
             Device device = Devices.open(a.get("backend", s -> s, "cpu"));
             Models.Loaded m = Models.load(model, AttentionFactory.processes(device, groups), cache, activations);
             RankAgreement agreement = new RankAgreement(groups.world())) {
            if (m.tokenizer() == null) throw new IllegalArgumentException(model.getFileName() + ": the checkpoint has no tokenizer metadata");
            List<Step> steps = generate(m.model(), m.tokenizer(), sampler, prompt, tokens, agreement::check);
            for (int i = 0; i < steps.size(); i++) {
                StringJoiner l = new StringJoiner(",");
                for (float v : steps.get(i).logits()) l.add(Float.toString(v));
                out.println(STEP_PREFIX + env.rank() + " " + i + " " + steps.get(i).token() + " " + l);
            }
            out.flush();
        }
    }

    /**
     * Generates with {@link Generator} and returns each generated token with the logits it was picked from;
     * {@code onToken} sees each token as it is picked (before the next step), where a rank checks agreement.
     */
    public static List<Step> generate(CausalLm model, Tokenizer tokenizer, Sampler sampler, String prompt, int tokens, IntConsumer onToken) {
        List<Step> steps = new ArrayList<>();
        LastLogits recording = new LastLogits(model);
        new Generator(recording, tokenizer, sampler).generate(prompt, tokens, (id, piece) -> {
            onToken.accept(id);
            steps.add(new Step(id, recording.last.clone()));
        });
        return steps;
    }

    /** The model, remembering the logits of its latest step: those the Generator's sampler has just picked from. */
    private static final class LastLogits implements CausalLm {
        private final CausalLm model;
        private float[] last;

        LastLogits(CausalLm model) { this.model = model; }

        @Override public float[] step(int token) { return last = model.step(token); }
        @Override public int vocabSize() { return model.vocabSize(); }
        @Override public int contextLength() { return model.contextLength(); }
        @Override public int position() { return model.position(); }
        @Override public void reset() { model.reset(); }
        @Override public String describe() { return model.describe(); }
        @Override public long weightBytesPerToken() { return model.weightBytesPerToken(); }
        @Override public void close() { }   // the caller's model
    }
}
