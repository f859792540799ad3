package dev.kiln.cli;

import dev.kiln.collective.lossy.LossPolicy;
import dev.kiln.train.CharCorpus;
import dev.kiln.train.DataSharding;
import dev.kiln.train.LossPhases;
import dev.kiln.train.Optimizer;
import dev.kiln.train.ParameterLayout;
import dev.kiln.train.ProcessTraining;
import dev.kiln.train.RunSpec;
import dev.kiln.train.TrainCurve;
import dev.kiln.train.TrainPreset;
import dev.kiln.train.TrainRunner;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code kiln train}: data-parallel training of the character-level GPT on the King James Bible, one run per
 * (loss, policy, seed), compared with the lossless run of the same seed.
 */
@Command(name = "train", mixinStandardHelpOptions = true, subcommands = TrainWorkerCommand.class,
        description = "Data-parallel GPT training under packet loss: final validation perplexity per (loss, policy) vs lossless.")
public final class TrainCommand implements Callable<Integer> {
    @Option(names = "--workers", defaultValue = "4", description = "Data-parallel workers (default ${DEFAULT-VALUE}).")
    int workers;

    @Option(names = "--loss", split = ",", defaultValue = "0.0,0.1", description = "Packet loss probabilities (default ${DEFAULT-VALUE}).")
    List<Double> losses;

    @Option(names = "--policy", split = ",", defaultValue = "rescale-by-count,zero-fill,reliable",
            description = "Loss policies: rescale-by-count, rescale-by-p, zero-fill, reliable (default ${DEFAULT-VALUE}).")
    List<String> policies;

    @Option(names = "--preset", defaultValue = "demo", description = "Model and schedule: tiny, demo, small (default ${DEFAULT-VALUE}).")
    String preset;

    @Option(names = "--steps", description = "Override the preset's number of steps (warm-up becomes min(preset's, steps/10)).")
    Integer steps;

    @Option(names = "--batch", description = "Override the preset's sequences per worker per step (demo: 8).")
    Integer batch;

    @Option(names = "--optimizer", description = "Owner-side optimiser: adamw (the presets') or sgd (heavy-ball momentum 0.9; "
            + "peak lr " + TrainPreset.SGD_LR + " and no weight decay unless --lr / --weight-decay say otherwise).")
    String optimizer;

    @Option(names = "--sharding", description = "How the training text is divided among the workers: interleaved (blocks of "
            + DataSharding.BLOCK + " characters dealt round-robin, every worker sees the whole Bible: the default) or contiguous "
            + "(worker r gets the r-th part: heterogeneous data).")
    String sharding;

    @Option(names = "--lr", description = "Override the peak learning rate (same warm-up and cosine schedule).")
    Double lr;

    @Option(names = "--weight-decay", description = "Override the decoupled weight decay.")
    Double weightDecay;

    @Option(names = "--loss-phase", split = ",", defaultValue = "both",
            description = "Where the loss applies: both, reduce-scatter (gradients only), broadcast (parameters only); "
                    + "a list runs each (attribution). In the namespace an nft rule matches the datagrams' phase byte (default ${DEFAULT-VALUE}).")
    List<String> lossPhases;

    @Option(names = "--broadcast-momentum", defaultValue = "0",
            description = "Where a parameter packet is lost: 0 keeps the stale value (the paper's retention); beta in (0, 1) "
                    + "predicts it from the range's last observed step, decayed by beta per step (0.9: the optimisers' momentum). "
                    + "Measured not to help: docs/train.md (default ${DEFAULT-VALUE}).")
    double broadcastMomentum;

    @Option(names = "--loss-from-step", defaultValue = "0",
            description = "Drop packets only from this training step on (attribution: loss after the warm-up); "
                    + "in-process only (default ${DEFAULT-VALUE}: from the start).")
    int lossFromStep;

    @Option(names = "--seeds", defaultValue = "1", description = "Seeds per configuration, 1..N (default ${DEFAULT-VALUE}).")
    int seeds;

    @Option(names = "--save", description = "Write a lossless model to this safetensors file, for `kiln generate`: with --preset demo one more run "
            + "of the demo's model, 5000 steps at lr 6e-3 (the comparison's 250 steps leave letter soup); with the other presets the "
            + "lossless run of seed 1. Trains in-process unless --transport says otherwise (worker processes keep their parameters).")
    Path save;

    @Option(names = "--save-steps", description = "Steps of the saved model's run (default: 5000 for the demo; the same warm-up, cosine to 10 %%).")
    Integer saveSteps;

    @Option(names = "--json", description = "Print the runs as JSON on stdout (the table goes to stderr).")
    boolean json;

    @Option(names = "--plot", description = "Write the validation curves to this PNG.")
    Path plot;

    @Option(names = "--transport", defaultValue = "auto",
            description = "netns: worker processes, real nft loss (root); inproc: threads, seeded loss; auto: netns when possible (default ${DEFAULT-VALUE}).")
    String transport;

    /** One finished run. */
    public record Run(double loss, String policy, String lossPhase, long seed, double finalPerplexity, double deltaPercent,
                      double ownersPerplexity, double ownersDeltaPercent,
                      double deliveredFraction, double kernelDropFraction, double maxDrift, double finalDrift,
                      double wallSeconds, double broadcastMomentum, int lossFromStep, TrainCurve curve) {}

    @Override
    public Integer call() throws Exception {
        if (seeds < 1) throw new IllegalArgumentException("--seeds = " + seeds + "; must be >= 1");
        if (plot != null) OutputFiles.requireWritableDirectory("--plot", plot);
        TrainPreset p = TrainPreset.resolve(preset, steps, batch, optimizer == null ? null : Optimizer.Kind.parse(optimizer), lr, weightDecay,
                sharding == null ? null : DataSharding.parse(sharding));
        List<LossPolicy> pols = policies.stream().map(LossPolicy::parse).toList();
        List<LossPhases> phases = lossPhases.stream().map(LossPhases::parse).toList();
        for (double l : losses) new RunSpec(p, workers, l, pols.getFirst(), 1, LossPhases.BOTH, broadcastMomentum, lossFromStep);   // validates p, β, step
        if (lossFromStep >= p.steps()) throw new IllegalArgumentException("--loss-from-step = " + lossFromStep + "; the run has " + p.steps() + " steps");
        if (saveSteps != null && saveSteps < 1) throw new IllegalArgumentException("--save-steps = " + saveSteps + "; must be >= 1");
        if (save != null && transport.equals("netns")) {
            throw new IllegalArgumentException("--save needs the parameters in this process; use --transport inproc (or auto)");
        }
        CharCorpus corpus = CharCorpus.kingJames();
        TrainRunner runner = save != null && transport.equals("auto") ? TrainRunner.inProcess(corpus) : runner(corpus);
        if (lossFromStep > 0 && runner instanceof ProcessTraining) {
            throw new IllegalArgumentException("--loss-from-step is in-process only (the nft rules drop from the start); add --transport inproc");
        }
        System.err.printf("kiln train: preset %s (%d steps, %d x %d chars per worker, dim %d, %d layers, %s lr %s wd %s, %s data shards), %d workers, broadcast retention %s, loss from step %d, %s, corpus %d chars (vocab %d)%n",
                p.name(), p.steps(), p.batch(), p.context(), p.dim(), p.layers(), p.optimizer(), p.lr(), p.weightDecay(), p.sharding(), workers,
                broadcastMomentum == 0 ? "stale" : "momentum " + broadcastMomentum, lossFromStep, runner.describe(), corpus.length(), corpus.vocabSize());

        List<Run> runs = new ArrayList<>();
        for (int seed = 1; seed <= seeds; seed++) {
            // Lossless first: with p = 0 every policy is the exact allreduce (bit-identical; see the tests), so one run serves as the baseline.
            RunSpec base = new RunSpec(p, workers, 0.0, pols.contains(LossPolicy.RELIABLE) ? LossPolicy.RELIABLE : pols.getFirst(), seed);
            TrainCurve lossless = runWithProgress(runner, base);
            boolean saveThis = save != null && seed == 1 && savedRun(p) == p;
            if (saveThis) writeSaved(save, p, corpus, runner.lastParameters(), lossless, "the lossless run of seed 1");
            runs.add(run(base, lossless, lossless, runner.lastKernelDropFraction()));
            for (double l : losses) {
                if (l == 0) continue;
                for (LossPhases phase : phases) {
                    for (LossPolicy pol : pols) {
                        if (pol == LossPolicy.RELIABLE && phase != LossPhases.BOTH) continue;   // TCP loses in every phase
                        RunSpec s = new RunSpec(p, workers, l, pol, seed, phase, broadcastMomentum, lossFromStep);
                        runs.add(run(s, runWithProgress(runner, s), lossless, runner.lastKernelDropFraction()));
                    }
                }
            }
        }
        if (save != null && savedRun(p) != p) trainSaved(runner, p, corpus);
        if (json) {
            System.out.println(Json.write(runs));
            System.err.print(summary(runs));   // the table still reaches the terminal
        } else {
            System.out.print(summary(runs));
        }
        if (plot != null) writePlot(runs, plot);
        return 0;
    }

    /** The preset of the saved model's run ({@code p} itself: the lossless comparison run is saved). */
    private TrainPreset savedRun(TrainPreset p) {
        TrainPreset s = p.savedModelRun();
        if (saveSteps != null && saveSteps != s.steps()) s = s.withSteps(saveSteps);
        return s;
    }

    /**
     * The saved model's own lossless run, after the comparison: on as many workers as there are cores (fewer ranks
     * than threads waiting on each other; same global batch), then written.
     */
    private void trainSaved(TrainRunner runner, TrainPreset p, CharCorpus corpus) throws Exception {
        TrainPreset s = savedRun(p);
        int w = Math.min(workers, Runtime.getRuntime().availableProcessors());
        while (w < workers && s.withWorkers(workers, w) == null) w++;
        TrainPreset run = w == workers ? s : s.withWorkers(workers, w);
        System.err.printf("kiln train: the saved model: %s's shape, lossless, %d steps (the comparison ran %d) at lr %s, %d warm-up, "
                        + "%d workers x %d windows of %d chars (%.1f M chars)%n", p.name(), run.steps(), p.steps(), run.lr(), run.warmup(),
                w, run.batch(), run.context(), (double) run.steps() * w * run.batch() * run.context() / 1e6);
        TrainCurve c = runWithProgress(runner, new RunSpec(run, w, 0.0, LossPolicy.RELIABLE, 1), "saved model, lossless seed 1 ");
        writeSaved(save, run, corpus, runner.lastParameters(), c, run.steps() + " lossless steps, apart from the comparison");
    }

    private static void writeSaved(Path file, TrainPreset p, CharCorpus corpus, float[] params, TrainCurve c, String what) throws java.io.IOException {
        CharGptExport.write(file, new ParameterLayout(p.model(corpus.vocabSize())), params, corpus.vocabulary());
        System.err.printf("kiln train: wrote the model (%s; validation perplexity %.3f) to %s (kiln generate --model %s)%n",
                what, c.finalPerplexity(), file, file);
    }

    private TrainRunner runner(CharCorpus corpus) {
        String cause = ProcessTraining.unavailabilityCause();
        return switch (transport) {
            case "inproc" -> TrainRunner.inProcess(corpus);
            case "netns" -> {
                if (cause != null) throw new IllegalStateException("--transport netns: " + cause);
                yield new ProcessTraining();
            }
            case "auto" -> {
                if (cause == null) yield new ProcessTraining();
                System.err.println("kiln train: " + cause + "; using in-process threads with seeded loss");
                yield TrainRunner.inProcess(corpus);
            }
            default -> throw new IllegalArgumentException("--transport = '" + transport + "'; allowed: auto, netns, inproc");
        };
    }

    private static Run run(RunSpec s, TrainCurve c, TrainCurve lossless, double kernelDrop) {
        List<TrainCurve.Point> pts = c.points();
        return new Run(s.loss(), s.loss() == 0 ? "lossless" : s.policy().cliName(), s.loss() == 0 ? "-" : s.phases().cliName(), s.seed(), c.finalPerplexity(),
                100 * (c.finalPerplexity() / lossless.finalPerplexity() - 1), c.finalOwnersPerplexity(),
                100 * (c.finalOwnersPerplexity() / lossless.finalOwnersPerplexity() - 1), c.deliveredFraction(), kernelDrop, c.maxDrift(),
                pts.isEmpty() ? 0 : pts.getLast().drift(), c.wallSeconds(), s.broadcastMomentum(), s.lossFromStep(), c);
    }

    private TrainCurve runWithProgress(TrainRunner runner, RunSpec s) throws Exception {
        return runWithProgress(runner, s, String.format("p=%.2f %-16s%s seed %d", s.loss(), s.loss() == 0 ? "lossless" : s.policy().cliName(),
                s.phases() == LossPhases.BOTH ? "" : " (" + s.phases().cliName() + " only)", s.seed()));
    }

    private TrainCurve runWithProgress(TrainRunner runner, RunSpec s, String label) throws Exception {
        ProgressBar bar = new ProgressBar(label, s.preset().steps());
        TrainCurve c = runner.run(s, bar::update);
        String noise = s.loss() == 0 ? String.format("  B_noise %.0f seq", c.lateNoiseScale()) : "";   // a lossy mean is not a batch-B gradient
        bar.done(String.format("ppl %.4f%s  %.0f s", c.finalPerplexity(), noise, c.wallSeconds()));
        return c;
    }

    /** Mean over seeds per (loss, policy), with the spread of the paired change vs lossless. */
    static Table summary(List<Run> runs) {
        Table t = new Table("loss", "policy", "loss in", "seeds", "val ppl (mean)", "Δ ppl vs lossless", "Δ min..max",
                "Δ owners' model", "Δ owners min..max", "delivered", "nft dropped", "drift max", "drift end", "B_noise (seq)", "wall s");
        for (List<Run> g : groups(runs).values()) {
            Run f = g.getFirst();
            double ppl = g.stream().mapToDouble(Run::finalPerplexity).average().orElseThrow();
            double d = g.stream().mapToDouble(Run::deltaPercent).average().orElseThrow();
            double dMin = g.stream().mapToDouble(Run::deltaPercent).min().orElseThrow();
            double dMax = g.stream().mapToDouble(Run::deltaPercent).max().orElseThrow();
            t.row(String.format("%.2f", f.loss()), f.policy(), f.lossPhase(), g.size(), String.format("%.4f", ppl),
                    f.loss() == 0 ? "(baseline)" : String.format("%+.2f %%", d + 0.0),
                    f.loss() == 0 ? "" : String.format("%+.2f..%+.2f %%", dMin, dMax),
                    f.loss() == 0 ? "" : String.format("%+.2f %%", g.stream().mapToDouble(Run::ownersDeltaPercent).average().orElseThrow() + 0.0),
                    f.loss() == 0 ? "" : String.format("%+.2f..%+.2f %%", g.stream().mapToDouble(Run::ownersDeltaPercent).min().orElseThrow(),
                            g.stream().mapToDouble(Run::ownersDeltaPercent).max().orElseThrow()),
                    String.format("%.4f", g.stream().mapToDouble(Run::deliveredFraction).average().orElseThrow()),
                    Double.isNaN(f.kernelDropFraction()) ? "-" : String.format("%.4f", g.stream().mapToDouble(Run::kernelDropFraction).average().orElseThrow()),
                    String.format("%.2e", g.stream().mapToDouble(Run::maxDrift).max().orElseThrow()),
                    String.format("%.2e", g.stream().mapToDouble(Run::finalDrift).average().orElseThrow()),
                    f.loss() == 0 ? String.format("%.0f", g.stream().mapToDouble(r -> r.curve().lateNoiseScale()).average().orElseThrow()) : "-",
                    String.format("%.0f", g.stream().mapToDouble(Run::wallSeconds).average().orElseThrow()));
        }
        return t;
    }

    private static Map<String, List<Run>> groups(List<Run> runs) {
        Map<String, List<Run>> g = new LinkedHashMap<>();
        for (Run r : runs) g.computeIfAbsent(String.format("%.4f %s %s", r.loss(), r.policy(), r.lossPhase()), k -> new ArrayList<>()).add(r);
        return g;
    }

    /**
     * Three PNGs: the validation curves ({@code FILE}), the paired change vs lossless per step ({@code FILE-delta.png})
     * and the replica drift ({@code FILE-drift.png}), each averaged over seeds. Step 0 (perplexity ≈ vocab) is left out
     * of the curves so that the differences stay visible.
     */
    private static void writePlot(List<Run> runs, Path file) throws java.io.IOException {
        String base = file.getFileName().toString().replaceFirst("\\.png$", "");
        Path delta = file.resolveSibling(base + "-delta.png"), drift = file.resolveSibling(base + "-drift.png");
        Charts.Xy curves = new Charts.Xy("Validation perplexity, char-level GPT on the KJV Bible (mean over seeds)", "step", "validation perplexity");
        Charts.Xy change = new Charts.Xy("Validation perplexity vs lossless, same seed (mean over seeds)", "step", "Δ perplexity (%)");
        Charts.Xy drifts = new Charts.Xy("Replica drift sqrt(mean ||x_r - x̄||²) / ||x̄|| (mean over seeds)", "step", "relative drift");
        Map<Long, Run> lossless = new LinkedHashMap<>();
        for (Run r : runs) if (r.loss() == 0) lossless.put(r.seed(), r);
        for (List<Run> g : groups(runs).values()) {
            Run f = g.getFirst();
            String name = f.loss() == 0 ? "lossless" : String.format("p=%.0f%% %s%s", 100 * f.loss(), f.policy(),
                    "both".equals(f.lossPhase()) ? "" : " (" + f.lossPhase() + " only)");
            List<TrainCurve.Point> pts = f.curve().points();
            for (int i = 1; i < pts.size(); i++) {
                int idx = i;
                int step = pts.get(i).step();
                curves.point(name, true, step, g.stream().mapToDouble(r -> Math.exp(r.curve().points().get(idx).validationLoss())).average().orElseThrow());
                change.point(name, true, step, g.stream().mapToDouble(r -> 100 * (Math.exp(r.curve().points().get(idx).validationLoss()
                        - lossless.get(r.seed()).curve().points().get(idx).validationLoss()) - 1)).average().orElseThrow());
                if (f.loss() > 0) drifts.point(name, true, step, g.stream().mapToDouble(r -> r.curve().points().get(idx).drift()).average().orElseThrow());
            }
        }
        curves.writePng(file, 1000, 620);
        change.writePng(delta, 1000, 620);
        drifts.writePng(drift, 1000, 620);
        System.err.println("kiln train: wrote " + file + ", " + delta + ", " + drift);
    }
}
