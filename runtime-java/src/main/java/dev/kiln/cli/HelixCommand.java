package dev.kiln.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code kiln helix}: Helix Parallelism commands. */
@Command(name = "helix", mixinStandardHelpOptions = true,
        description = "Helix Parallelism (arXiv 2507.07120): KV-parallel decode attention.",
        subcommands = {HelixSimulateCommand.class})
final class HelixCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }
}
